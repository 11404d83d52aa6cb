import { describe, expect, it } from 'vitest';
import { encodePositionReport, encodeStaticVoyage, toSentences } from '../../protocols/ais/encode.js';
import { nmeaChecksum } from '../../protocols/ais/nmea.js';
import type { VesselPosition, VesselStatic } from '../../protocols/mqtt/payloads.js';
import { silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry, type Registry } from '../../runtime/metrics.js';
import { createEdgeBus } from '../events.js';
import { AisPipeline, type AisPipelineOptions } from './pipeline.js';

function setup(options: Partial<AisPipelineOptions> = {}) {
  const bus = createEdgeBus();
  const registry = createMetricsRegistry('edge-test', false);
  const pipeline = new AisPipeline(
    {
      dedupeWindowMs: 0,
      downsampleMinIntervalS: 0,
      maxPartialAgeMs: 10_000,
      maxFutureSkewS: 300,
      ...options,
    },
    { bus, log: silentLogger(), registry },
  );
  const positions: VesselPosition[] = [];
  const statics: VesselStatic[] = [];
  bus.on('vessel.position', (p) => positions.push(p));
  bus.on('vessel.static', (s) => statics.push(s));
  const feed = (line: string, receivedAtMs = 1_700_000_000_000, source = 'udp test') =>
    pipeline.handle({ line, receivedAtMs, source });
  return { pipeline, positions, statics, feed, registry };
}

const position = (mmsi: number, lat: number, radio = 0) =>
  toSentences(
    encodePositionReport({
      type: 1,
      mmsi,
      lat,
      lon: 104.5,
      sog: 5.5,
      cog: 123.4,
      heading: 120,
      navStatus: 7,
      radio,
    }),
  )[0]!;

const tagged = (sentence: string, body: string) => `\\${body}*${nmeaChecksum(body)}\\${sentence}`;
const withTagBlockTime = (sentences: string[], timeMs: number) =>
  sentences.map((sentence) => tagged(sentence, `s:rx1,c:${timeMs / 1000}`));

async function rejectedBy(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('lookout_edge_ais_rejected_total')!.get();
  return Object.fromEntries(metric.values.map((v) => [`${v.labels.stage}/${v.labels.reason}`, v.value]));
}

describe('AisPipeline', () => {
  it('decodes positions; time is the tag-block c: time when present, else receive time', () => {
    const { feed, positions } = setup();
    feed(position(574000001, 8.5), 1_700_000_000_500);
    feed(tagged(position(574000002, 8.6), 's:rx1,c:1699999999'), 1_700_000_000_500);
    feed(tagged(position(574000003, 8.7), 's:rx1,c:1699999999123'), 1_700_000_000_500);
    expect(positions).toEqual([
      {
        mmsi: 574000001,
        ts: 1_700_000_000_500,
        lat: 8.5,
        lon: 104.5,
        sog: 5.5,
        cog: 123.4,
        heading: 120,
        navStatus: 7,
        msgType: 1,
        aisClass: 'A',
      },
      expect.objectContaining({ mmsi: 574000002, ts: 1_699_999_999_000 }),
      expect.objectContaining({ mmsi: 574000003, ts: 1_699_999_999_123 }),
    ]);
  });

  it('reassembles a two-part type 5 into a static report', () => {
    const { feed, statics } = setup();
    const parts = toSentences(
      encodeStaticVoyage({
        mmsi: 574123456,
        shipname: 'CM-90123-TS',
        callsign: 'XV12345',
        shiptype: 30,
        toBow: 12,
        toStern: 8,
        toPort: 3,
        toStarboard: 3,
        draught: 2.1,
      }),
      { sequenceId: 3 },
    );
    expect(parts).toHaveLength(2);
    for (const part of parts) feed(part);
    expect(statics).toEqual([
      expect.objectContaining({
        mmsi: 574123456,
        shipname: 'CM-90123-TS',
        callsign: 'XV12345',
        shiptype: 30,
        draught: 2.1,
        msgType: 5,
      }),
    ]);
  });

  it('counts bad checksums and malformed sentences by reason and goes on with the stream', async () => {
    const { feed, positions, registry, pipeline } = setup();
    const good = position(574000001, 8.5);
    feed(good.slice(0, -2) + (good.endsWith('00') ? '01' : '00')); // wrong checksum
    feed('!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0'); // no checksum
    feed(`!AIVDM,1,1,,A,1,0*${nmeaChecksum('AIVDM,1,1,,A,1,0')}`); // payload too short
    feed('$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47'); // not AIS: ignored
    feed('complete garbage');
    feed(position(574000002, 8.6));
    expect(positions.map((p) => p.mmsi)).toEqual([574000002]);
    const rejected = await rejectedBy(registry);
    expect(rejected['decoder/checksum']).toBe(1);
    expect(Object.values(rejected).reduce((a, b) => a + b, 0)).toBe(3);
    expect(pipeline.decoder.stats.ignored).toBe(2);
  });

  it('drops exact duplicates seen from two receivers within the window, whatever their tag blocks', () => {
    const { feed, positions, pipeline } = setup({ dedupeWindowMs: 2000 });
    const sentence = position(574000001, 8.5);
    feed(tagged(sentence, 's:rx1,c:1700000000'), 1_700_000_000_000, 'udp rx1');
    feed(tagged(sentence, 's:rx2,c:1700000001'), 1_700_000_000_300, 'tcp rx2');
    feed(sentence, 1_700_000_001_900);
    feed(sentence, 1_700_000_004_000); // the window (from the first sighting) is over
    feed(position(574000001, 8.5, 1), 1_700_000_004_100); // another transmission: not a duplicate
    expect(positions).toHaveLength(3);
    expect(pipeline.duplicates).toBe(2);
  });

  const staticParts = (mmsi: number) =>
    toSentences(
      encodeStaticVoyage({
        mmsi,
        shipname: `CM-${mmsi}`,
        callsign: 'XV1',
        shiptype: 30,
        toBow: 12,
        toStern: 8,
        toPort: 3,
        toStarboard: 3,
        draught: 2.1,
      }),
      { sequenceId: 0 },
    );

  it('keeps the static reports of two vessels whose type 5 part 2 is byte-identical', () => {
    const { feed, statics, pipeline } = setup({ dedupeWindowMs: 2000 });
    const [first, second] = [staticParts(574000001), staticParts(574000002)];
    expect(first[1]).toBe('!AIVDM,2,2,0,A,00000000000,2*24');
    expect(second[1]).toBe(first[1]);
    for (const part of [...first, ...second]) feed(part);
    expect(statics.map((s) => s.mmsi)).toEqual([574000001, 574000002]);
    expect(pipeline.duplicates).toBe(0);
  });

  it('drops a two-part message heard by two receivers once, whole, however their fragments interleave', async () => {
    const { feed, statics, pipeline, registry } = setup({ dedupeWindowMs: 2000 });
    const [part1, part2] = staticParts(574000003);
    feed(tagged(part1!, 's:rx1'), 1_700_000_000_000, 'udp rx1');
    feed(tagged(part1!, 's:rx2'), 1_700_000_000_010, 'tcp rx2');
    feed(tagged(part2!, 's:rx1'), 1_700_000_000_020, 'udp rx1');
    feed(tagged(part2!, 's:rx2'), 1_700_000_000_030, 'tcp rx2');
    expect(statics.map((s) => s.mmsi)).toEqual([574000003]);
    expect(pipeline.duplicates).toBe(1);
    expect(pipeline.decoder.stats.pending).toBe(0);
    expect(await rejectedBy(registry)).toEqual({});
  });

  it('counts byte-identical lines with a bad checksum as checksum errors, not as duplicates', async () => {
    const { feed, registry, pipeline } = setup({ dedupeWindowMs: 2000 });
    const good = position(574000001, 8.5);
    const bad = good.slice(0, -2) + (good.endsWith('00') ? '01' : '00');
    feed(bad, 1_700_000_000_000, 'udp rx1');
    feed(bad, 1_700_000_000_100, 'tcp rx2');
    expect((await rejectedBy(registry))['decoder/checksum']).toBe(2);
    expect(pipeline.duplicates).toBe(0);
  });

  it("refuses a tag-block time too far ahead of the receive time, counts it, and the vessel's next positions go on", async () => {
    const { feed, positions, statics, registry } = setup();
    const receivedAt = 1_700_000_000_000;
    feed(tagged(position(574000001, 8.5), `s:rx1,c:${Date.UTC(2100, 0, 1) / 1000}`), receivedAt);
    feed(tagged(position(574000001, 8.6, 1), 's:rx1,c:9300000000000'), receivedAt); // ms, in 2264: beyond InfluxDB
    for (const part of withTagBlockTime(staticParts(574000001), Date.UTC(2100, 0, 1))) feed(part, receivedAt);
    feed(tagged(position(574000001, 8.7, 2), `s:rx1,c:${receivedAt / 1000 + 299}`), receivedAt); // within the skew
    feed(tagged(position(574000001, 8.8, 3), `s:rx1,c:${receivedAt / 1000 + 1}`), receivedAt + 1000);
    expect(positions.map((p) => [p.lat, p.ts - receivedAt])).toEqual([
      [8.7, 299_000],
      [8.8, 1000],
    ]);
    expect(statics).toEqual([]);
    expect(await rejectedBy(registry)).toEqual({
      'pipeline/future_time': 2,
      'pipeline/time_out_of_range': 1,
    });
  });

  it('downsamples per vessel by position time', () => {
    const { feed, positions, pipeline } = setup({ downsampleMinIntervalS: 10 });
    for (let second = 0; second < 60; second += 2) {
      feed(position(574000001, 8.5, second), 1_700_000_000_000 + second * 1000);
      feed(position(574000002, 8.6, second), 1_700_000_000_000 + second * 1000);
    }
    expect(
      positions.filter((p) => p.mmsi === 574000001).map((p) => (p.ts - 1_700_000_000_000) / 1000),
    ).toEqual([0, 10, 20, 30, 40, 50]);
    expect(positions).toHaveLength(12);
    expect(pipeline.downsampled).toBe(48);
  });
});
