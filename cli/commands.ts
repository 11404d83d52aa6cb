import type { Command } from 'commander';
import * as ais from './ais.js';
import * as bench from './bench.js';
import * as cloud from './cloud.js';
import * as demo from './demo.js';
import * as detect from './detect.js';
import * as edge from './edge.js';
import * as evalFire from './eval-fire.js';
import * as sim from './sim.js';
import * as simCameras from './sim-cameras.js';
import * as simEdges from './sim-edges.js';

/**
 * Every subcommand lives in its own module under cli/ and exports `register(program)`. The heavy service
 * code is imported inside each action, so `lookout --help` stays fast.
 */
const modules: Array<{ register(program: Command): void }> = [ais, bench, cloud, demo, detect, edge, evalFire, sim, simCameras, simEdges];

export function registerCommands(program: Command): void {
  for (const module of modules) module.register(program);
}
