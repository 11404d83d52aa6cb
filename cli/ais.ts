import type { Command } from 'commander';

export function register(program: Command): void {
  const ais = program.command('ais').description('AIS (AIVDM/AIVDO) tools');
  ais
    .command('decode [file]')
    .description(
      "decode NMEA AIS sentences (a file, or stdin) to JSON lines in gpsd's format (as gpsdecode -j)",
    )
    .option(
      '-u, --unscaled',
      'raw integer values, exactly as `gpsdecode -u -j` (lat/lon in 1/10000 minute, speed in 0.1 kn, ...)',
    )
    .option(
      '--stats',
      'print decoder counters (sentences, messages, ignored, rejected by reason) to stderr at the end',
    )
    .action(async (file: string | undefined, options: { unscaled?: boolean; stats?: boolean }) => {
      const [{ createReadStream }, { decodeStream }] = await Promise.all([
        import('node:fs'),
        import('../protocols/ais/decode-stream.js'),
      ]);
      const input =
        file === undefined || file === '-'
          ? process.stdin
          : createReadStream(file, { highWaterMark: 1 << 20 });
      const stats = await decodeStream(input, process.stdout, process.stderr, {
        unscaled: options.unscaled === true,
        source: file ?? 'stdin',
      });
      if (options.stats) process.stderr.write(`${JSON.stringify(stats)}\n`);
    });
}
