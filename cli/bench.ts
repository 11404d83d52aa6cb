import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

/** Benchmarks (never tests): each prints its figures side by side with a peer or a ceiling measured in the same run. */
export const BENCHMARKS = [
  {
    name: 'ais',
    script: 'protocols/ais/bench/ais-bench.ts',
    what: 'AIS decoding: Lookout vs gpsdecode, ggencoder, ais-stream-decoder; then lookout ais decode vs gpsdecode end to end',
  },
  {
    name: 'edge',
    script: 'tests/bench/edge-throughput.ts',
    what: 'edge throughput: AIS over TCP -> decode -> outbox -> MQTT, all delivered',
  },
  {
    name: 'ingest',
    script: 'cloud/bench/ingest-bench.ts',
    what: 'cloud ingest: MQTT edges -> InfluxDB end to end vs raw line-protocol ceiling',
  },
  {
    name: 'cluster',
    script: 'cloud/bench/cluster-bench.ts',
    what: 'cloud cluster: acknowledged positions/s and PUBACK latency, one instance vs cluster mode vs two instances',
  },
  {
    name: 'rules',
    script: 'cloud/fisheries/bench.ts',
    what: 'fisheries rules: positions/s for 100,000 vessels with the Ca Mau zones',
  },
  {
    name: 'detect',
    script: 'models/bench.ts',
    what: 'fire/smoke detection: inference ms/frame, CPU per camera, cameras per node',
  },
] as const;

export function register(program: Command): void {
  program
    .command('bench')
    .description(
      `run benchmarks one after the other (all by default): ${BENCHMARKS.map((b) => b.name).join(', ')}`,
    )
    .argument('[names...]', 'which benchmarks')
    .option('--list', 'list the benchmarks and their scripts')
    .action(async (names: string[], options: { list?: boolean }) => {
      const { spawnSync } = await import('node:child_process');
      const root = fileURLToPath(new URL('..', import.meta.url));
      if (options.list) {
        for (const b of BENCHMARKS) console.log(`${b.name.padEnd(7)} npx tsx ${b.script}   ${b.what}`);
        return;
      }
      const unknown = names.filter((name) => !BENCHMARKS.some((b) => b.name === name));
      if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; try --list`);
      const chosen = names.length > 0 ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS;
      for (const b of chosen) {
        console.log(`\n=== bench ${b.name}: ${b.what}\n=== npx tsx ${b.script}`);
        const result = spawnSync(process.execPath, ['--import', 'tsx', b.script], {
          cwd: root,
          stdio: 'inherit',
        });
        if (result.status !== 0) process.exitCode = 1;
      }
    });
}
