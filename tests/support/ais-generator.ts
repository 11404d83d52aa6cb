import { BitWriter, toSentences } from '../../protocols/ais/encode.js';
import { Random } from '../../simulators/fleet/random.js';

/** Deterministic integers: `random(max)` is in [0, max). Failures replay from the seed. */
export function prng(seed: number): (max: number) => number {
  const random = new Random(seed);
  return (max: number) => Math.floor(random.next() * max);
}

/** DAC/FID pairs of types 6 and 8 that gpsd decodes, with the payload lengths their decoders expect. */
export const TYPE6_APPLICATIONS: ReadonlyArray<{ dac: number; fid: number; lengths: number[] }> = [
  { dac: 200, fid: 21, lengths: [248] },
  { dac: 200, fid: 22, lengths: [232] },
  { dac: 200, fid: 55, lengths: [168] },
  { dac: 235, fid: 10, lengths: [136] },
  { dac: 250, fid: 10, lengths: [136] },
  { dac: 1, fid: 12, lengths: [360] },
  { dac: 1, fid: 14, lengths: [97 + 93, 97 + 2 * 93, 97 + 3 * 93 - 1] },
  { dac: 1, fid: 15, lengths: [104] },
  { dac: 1, fid: 16, lengths: [224, 144] },
  { dac: 1, fid: 18, lengths: [360] },
  { dac: 1, fid: 20, lengths: [360] },
  { dac: 1, fid: 25, lengths: [100 + 17, 100 + 17 * 5, 100 + 17 * 28] },
  { dac: 1, fid: 28, lengths: [149 + 55 * 3, 149 + 55 * 12] },
  { dac: 1, fid: 30, lengths: [98 + 6 * 10, 98 + 6 * 120] },
  { dac: 1, fid: 32, lengths: [97 + 88, 97 + 88 * 3 - 1] },
];
export const TYPE8_APPLICATIONS: ReadonlyArray<{ dac: number; fid: number; lengths: number[] }> = [
  { dac: 1, fid: 11, lengths: [352] },
  { dac: 1, fid: 13, lengths: [472] },
  { dac: 1, fid: 15, lengths: [72] },
  { dac: 1, fid: 16, lengths: [192, 128] },
  { dac: 1, fid: 17, lengths: [56 + 122, 56 + 122 * 4 - 1] },
  { dac: 1, fid: 19, lengths: [360] },
  { dac: 1, fid: 27, lengths: [117 + 55 * 2, 117 + 55 * 10] },
  { dac: 1, fid: 29, lengths: [66 + 6 * 20, 66 + 6 * 150] },
  { dac: 1, fid: 31, lengths: [360] },
  { dac: 200, fid: 10, lengths: [168] },
  { dac: 200, fid: 40, lengths: [168] },
];

/** Payload lengths (bits) that gpsd accepts, per type. */
const LENGTHS: Record<number, number[]> = {
  1: [168],
  2: [168],
  3: [168],
  4: [168],
  5: [424],
  7: [72, 104, 136, 168],
  9: [168],
  10: [72],
  11: [168],
  12: [72, 78, 300, 1008],
  13: [72, 104, 136, 168],
  14: [40, 46, 400, 960],
  15: [88, 110, 160],
  16: [96, 144],
  17: [80, 120, 816],
  18: [168],
  19: [312],
  20: [72, 102, 132, 162],
  21: [272, 278, 356],
  22: [168],
  23: [160],
  25: [40, 56, 86, 168],
  26: [60, 96, 200, 1004],
  27: [96],
};

export interface GeneratedMessage {
  type: number;
  sentences: string[];
}

function randomBits(random: (max: number) => number, writer: BitWriter, count: number): void {
  for (let left = count; left > 0; left -= 16) {
    const width = Math.min(16, left);
    writer.uint(width, random(2 ** width));
  }
}

/**
 * A message of `type` whose fields after the header are random bits (so every value, "not available" codes,
 * `@` and spaces inside texts included, turns up), in a payload length gpsd accepts.
 */
export function randomMessage(
  type: number,
  random: (max: number) => number,
  sequenceId = 0,
): GeneratedMessage {
  const writer = new BitWriter()
    .uint(6, type)
    .uint(2, random(4))
    .uint(30, random(2 ** 30));
  let length: number;
  if (type === 6 || type === 8) {
    const apps = type === 6 ? TYPE6_APPLICATIONS : TYPE8_APPLICATIONS;
    const structured = random(4) !== 0;
    const app = apps[random(apps.length)]!;
    const head = type === 6 ? 88 : 56;
    if (type === 6) {
      writer
        .uint(2, random(4))
        .uint(30, random(2 ** 30))
        .uint(1, random(2))
        .uint(1, 0);
    } else {
      writer.uint(2, 0);
    }
    if (structured) {
      writer.uint(10, app.dac).uint(6, app.fid);
      length = app.lengths[random(app.lengths.length)]!;
    } else {
      writer.uint(10, random(1024)).uint(6, random(64));
      length = head + random(1008 - head + 1);
    }
  } else if (type === 24) {
    const partB = random(2) === 1;
    writer.uint(2, partB ? 1 : 0);
    length = partB ? 168 : 160;
  } else {
    const lengths = LENGTHS[type]!;
    length = lengths[random(lengths.length)]!;
  }
  randomBits(random, writer, length - writer.length);
  return {
    type,
    sentences: toSentences(writer.bits(), { sequenceId, channel: random(2) === 0 ? 'A' : 'B' }),
  };
}

/** A type 24 part A and part B for the same MMSI (random fields), in that order. */
export function randomType24Pair(random: (max: number) => number): string[] {
  const mmsi = random(2) === 0 ? 980_000_000 + random(1_000_000) : random(2 ** 30);
  const header = (part: number) =>
    new BitWriter().uint(6, 24).uint(2, random(4)).uint(30, mmsi).uint(2, part);
  const a = header(0);
  randomBits(random, a, 160 - a.length);
  const b = header(1);
  randomBits(random, b, 168 - b.length);
  return [...toSentences(a.bits()), ...toSentences(b.bits())];
}
