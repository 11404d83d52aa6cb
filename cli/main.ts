import { Command } from 'commander';
import { registerCommands } from './commands.js';

const program = new Command()
  .name('lookout')
  .description('Lookout: edge gateways and cloud for Ca Mau forest-fire cameras and fishing-vessel tracking')
  .showHelpAfterError()
  .enablePositionalOptions();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`lookout: ${(error as Error).message}`);
  process.exitCode = 1;
}
