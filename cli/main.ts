import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerCommands } from './commands.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command()
  .name('lookout')
  .description('Lookout: edge gateways and cloud for Ca Mau forest-fire cameras and fishing-vessel tracking')
  .version(version)
  .showHelpAfterError()
  .enablePositionalOptions();

try {
  await registerCommands(program, process.argv.slice(2));
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`lookout: ${(error as Error).message}`);
  process.exitCode = 1;
}
