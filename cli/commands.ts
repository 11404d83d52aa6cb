import type { Command } from 'commander';

type CommandModule = { register(program: Command): void };

/**
 * Every subcommand lives in its own module under cli/ and exports `register(program)`; the heavy service
 * code is imported inside each action. Only the modules of the command being run are imported (all of them
 * for help or an unknown command), so `lookout ais decode` starts without loading the others.
 */
const COMMAND_MODULES: Record<string, Array<() => Promise<CommandModule>>> = {
  ais: [() => import('./ais.js')],
  bench: [() => import('./bench.js')],
  cloud: [() => import('./cloud.js')],
  demo: [() => import('./demo.js')],
  detect: [() => import('./detect.js')],
  edge: [() => import('./edge.js')],
  eval: [() => import('./eval-fire.js')],
  fire: [() => import('./fire.js')],
  sim: [() => import('./sim.js'), () => import('./sim-cameras.js'), () => import('./sim-edges.js')],
};

/** The command named by the arguments (after node and the script), if it is one of ours. */
export function commandNamed(args: readonly string[]): string | undefined {
  const name = args.find((arg) => !arg.startsWith('-'));
  return name !== undefined && Object.hasOwn(COMMAND_MODULES, name) ? name : undefined;
}

export async function registerCommands(program: Command, args: readonly string[]): Promise<void> {
  const name = commandNamed(args);
  const loaders = name === undefined ? Object.values(COMMAND_MODULES).flat() : COMMAND_MODULES[name]!;
  const modules = await Promise.all(loaders.map((load) => load()));
  for (const module of modules) module.register(program);
}
