import { describe, expect, it } from 'vitest';
import { AisDecoder } from '../../../protocols/ais/decoder.js';
import { toVesselPosition } from '../../../protocols/ais/vessel.js';
import { iuuScenario } from './iuu.js';
import { positionSentences } from './replay.js';

describe('scenario replay encoding', () => {
  it('gives back every scripted position, with its own time, through the AIS decoder', () => {
    const scenario = iuuScenario({ durationH: 3, reportEveryS: 600 });
    const decoder = new AisDecoder();
    expect(scenario.positions.length).toBeGreaterThan(50);
    for (const scripted of scenario.positions) {
      const lines = positionSentences(scripted);
      expect(lines).toHaveLength(1);
      const result = decoder.decode(lines[0]!, 0);
      expect(result.status).toBe('message');
      if (result.status !== 'message') continue;
      const decoded = toVesselPosition(result.message, result.timestampMs);
      expect(decoded?.mmsi).toBe(scripted.mmsi);
      expect(decoded?.ts).toBe(scripted.ts);
      expect(decoded?.lat).toBeCloseTo(scripted.lat, 5);
      expect(decoded?.lon).toBeCloseTo(scripted.lon, 5);
      if (scripted.sog !== undefined) expect(decoded?.sog).toBeCloseTo(scripted.sog, 1);
    }
  });
});
