import { describe, expect, it } from 'vitest';
import { gpsdecode, fieldDifferences } from '../../tests/support/gpsdecode.js';
import { AisDecoder } from './decoder.js';
import { encodeClassBPosition, encodePositionReport, encodeStaticVoyage, toSentences } from './encode.js';
import { toGpsdJson } from './json.js';
import { nmeaChecksum } from './nmea.js';
import { prng } from '../../tests/support/ais-generator.js';

const TEXT = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789-.';
const randomText = (random: (max: number) => number, max: number) =>
  Array.from({ length: random(max + 1) }, () => TEXT[random(TEXT.length)]).join('');

function decodeAll(lines: string[]): string[] {
  const decoder = new AisDecoder();
  const out: string[] = [];
  for (const line of lines) {
    const result = decoder.decode(line, 0);
    if (result.status === 'message') out.push(toGpsdJson(result.message, { scaled: false }));
  }
  return out;
}

function expectSameAsGpsd(lines: string[]): void {
  const reference = gpsdecode(lines.join('\n'), { unscaled: true });
  const ours = decodeAll(lines).map((json) => JSON.parse(json) as Record<string, unknown>);
  expect(ours.length).toBe(reference.length);
  const problems = reference.flatMap((expected, i) =>
    fieldDifferences(expected, ours[i]!).map((d) => `#${i} type ${String(expected.type)}: ${d}`),
  );
  expect(problems).toEqual([]);
}

describe('AisDecoder against gpsdecode -u -j (generated sentences)', () => {
  it('types 1, 2, 3 with random field values', () => {
    const random = prng(1);
    const lines = Array.from(
      { length: 300 },
      (_, i) =>
        toSentences(
          encodePositionReport({
            type: (1 + (i % 3)) as 1 | 2 | 3,
            mmsi: random(1_000_000_000),
            navStatus: random(16),
            rot: random(256) - 128,
            sog: random(1024) / 10,
            accuracy: random(2) === 1,
            lon: random(2) === 0 ? undefined : random(360_000_000) / 1e6 - 180,
            lat: random(2) === 0 ? undefined : random(180_000_000) / 1e6 - 90,
            cog: random(3601) / 10,
            heading: random(512),
            second: random(64),
            maneuver: random(4),
            raim: random(2) === 1,
            radio: random(1 << 19),
            repeat: random(4),
          }),
          { channel: random(2) === 0 ? 'A' : 'B' },
        )[0]!,
    );
    expectSameAsGpsd(lines);
  });

  it('type 18 and two-part type 5 with random values and texts', () => {
    const random = prng(2);
    const lines: string[] = [];
    for (let i = 0; i < 150; i++) {
      lines.push(
        ...toSentences(
          encodeClassBPosition({
            mmsi: random(1_000_000_000),
            sog: random(1024) / 10,
            lon: random(360_000_000) / 1e6 - 180,
            lat: random(180_000_000) / 1e6 - 90,
            cog: random(3601) / 10,
            heading: random(512),
            second: random(64),
            repeat: random(4),
          }),
        ),
        ...toSentences(
          encodeStaticVoyage({
            mmsi: random(1_000_000_000),
            imo: random(1 << 30),
            callsign: randomText(random, 7),
            shipname: randomText(random, 20),
            shiptype: random(256),
            toBow: random(512),
            toStern: random(512),
            toPort: random(64),
            toStarboard: random(64),
            epfd: random(16),
            month: random(16),
            day: random(32),
            hour: random(32),
            minute: random(64),
            draught: random(256) / 10,
            destination: randomText(random, 20),
          }),
          { sequenceId: i % 10 },
        ),
      );
    }
    expectSameAsGpsd(lines);
  });
});

describe('AisDecoder sentence layer', () => {
  const type5 = toSentences(encodeStaticVoyage({ mmsi: 574_000_001, shipname: 'TAU 1', callsign: 'XVA1' }), {
    sequenceId: 3,
  });
  const otherType5 = toSentences(encodeStaticVoyage({ mmsi: 574_000_002, shipname: 'TAU 2' }), {
    sequenceId: 3,
    channel: 'B',
  });

  it('reassembles two multi-part messages interleaved on the two channels with the same sequence id', () => {
    const decoder = new AisDecoder();
    expect(decoder.decode(type5[0]!, 0).status).toBe('pending');
    expect(decoder.decode(otherType5[0]!, 0).status).toBe('pending');
    expect(decoder.stats.pending).toBe(2);
    const second = decoder.decode(otherType5[1]!, 0);
    const first = decoder.decode(type5[1]!, 0);
    expect(second.status === 'message' && second.message.type === 5 && second.message.shipname).toBe('TAU 2');
    expect(first.status === 'message' && first.message.type === 5 && first.message.shipname).toBe('TAU 1');
    expect(decoder.stats.pending).toBe(0);
  });

  it('reassembles parts that arrive out of order', () => {
    const decoder = new AisDecoder();
    expect(decoder.decode(type5[1]!, 0).status).toBe('pending');
    const result = decoder.decode(type5[0]!, 0);
    expect(result.status === 'message' && result.message.mmsi).toBe(574_000_001);
  });

  it('expires a stale partial message instead of completing it with a much later part', () => {
    const decoder = new AisDecoder({ maxPartialAgeMs: 1000 });
    expect(decoder.decode(type5[0]!, 0).status).toBe('pending');
    expect(decoder.decode(type5[1]!, 5000).status).toBe('pending');
    expect(decoder.stats.rejected.multipart_expired).toBe(1);
  });

  it('rejects a bad checksum, illegal characters and a wrong fragment count, with reasons', () => {
    const decoder = new AisDecoder();
    const good = '!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23';
    expect(decoder.decode(good, 0).status).toBe('message');
    expect(decoder.decode(good.replace('*23', '*24'), 0)).toMatchObject({
      status: 'rejected',
      reason: 'checksum',
    });
    const illegal = 'AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05I|,0';
    expect(decoder.decode(`!${illegal}*${nmeaChecksum(illegal)}`, 0)).toMatchObject({
      status: 'rejected',
      reason: 'illegal_character',
    });
    const zeroCount = 'AIVDM,0,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0';
    expect(decoder.decode(`!${zeroCount}*${nmeaChecksum(zeroCount)}`, 0)).toMatchObject({
      status: 'rejected',
      reason: 'fragment_count',
    });
    const truncated = 'AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQ,0';
    expect(decoder.decode(`!${truncated}*${nmeaChecksum(truncated)}`, 0)).toMatchObject({
      status: 'rejected',
      reason: 'too_short',
    });
    expect(decoder.stats.rejected).toEqual({
      checksum: 1,
      illegal_character: 1,
      fragment_count: 1,
      too_short: 1,
    });
  });

  it('skips non-AIS lines and keeps the tag block source and time', () => {
    const decoder = new AisDecoder();
    expect(
      decoder.decode('$GPGGA,184353.07,1929.045,S,02410.506,E,1,04,2.6,100.00,M,-33.9,M,,0000*6D', 0).status,
    ).toBe('ignored');
    expect(decoder.decode('# comment', 0).status).toBe('ignored');
    expect(decoder.decode('', 0).status).toBe('ignored');
    const tag = 's:r003669945,c:1428621738';
    const result = decoder.decode(
      `\\${tag}*${nmeaChecksum(tag)}\\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23`,
      7,
    );
    expect(result).toMatchObject({
      status: 'message',
      tagBlock: { source: 'r003669945', timestampMs: 1_428_621_738_000 },
      timestampMs: 1_428_621_738_000,
    });
    expect(decoder.stats.ignored).toBe(3);
  });
});
