import {
  encodeClassBPosition,
  encodePositionReport,
  toSentences,
  withTagBlock,
} from '../../../protocols/ais/encode.js';
import type { VesselPosition } from '../../../protocols/mqtt/payloads.js';
import type { SentenceTransport } from '../transport.js';

/**
 * Turns a scripted position back into what a shore receiver forwards: an `!AIVDM` type 1/2/3 or 18 sentence,
 * with a tag block carrying the position's own time in milliseconds (so rules see the scripted time).
 */
export function positionSentences(position: VesselPosition, source = 'lookout-scenario'): string[] {
  const common = {
    mmsi: position.mmsi,
    lat: position.lat,
    lon: position.lon,
    sog: position.sog,
    cog: position.cog,
    heading: position.heading,
  };
  const bits =
    position.msgType === 18
      ? encodeClassBPosition(common)
      : encodePositionReport({
          ...common,
          type: position.msgType === 2 || position.msgType === 3 ? position.msgType : 1,
          navStatus: position.navStatus,
        });
  return withTagBlock(toSentences(bits), { source, time: position.ts });
}

export interface ReplayOptions {
  /** Spread the replay over this many real seconds. */
  durationS: number;
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/** Sends scripted positions in order, paced so the whole list takes about `durationS`; resolves with the count sent. */
export async function replayPositions(
  positions: readonly VesselPosition[],
  transport: SentenceTransport,
  options: ReplayOptions,
): Promise<number> {
  const tickMs = 100;
  const perTick = Math.max(1, Math.ceil(positions.length / Math.max(1, (options.durationS * 1000) / tickMs)));
  let sent = 0;
  while (sent < positions.length && !options.signal?.aborted) {
    const slice = positions.slice(sent, sent + perTick);
    if (!(await transport.send(slice.flatMap((position) => positionSentences(position))))) break;
    sent += slice.length;
    options.onProgress?.(sent, positions.length);
    await new Promise((resolve) => setTimeout(resolve, tickMs));
  }
  return sent;
}
