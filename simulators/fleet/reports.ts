import {
  encodeClassBPosition,
  encodePositionReport,
  encodeStaticVoyage,
  toSentences,
  withTagBlock,
} from '../../protocols/ais/encode.js';
import type { Vessel } from './vessels.js';

/** A position exactly as it went on the air (values quantised the way AIS carries them). */
export interface SentPosition {
  mmsi: number;
  /** Report time: the tag-block `c:` time when tag blocks are on. */
  tsMs: number;
  lat: number;
  lon: number;
  sog: number;
  cog: number;
  heading: number;
  msgType: 1 | 2 | 3 | 18;
}

export interface TagBlockOptions {
  /** `s:` source id. */
  source: string;
  /** `c:` in milliseconds (unique per report; the edge and the Lookout decoder accept it) or NMEA 4.0 seconds. */
  unit: 'ms' | 's';
}

export interface EncodedReport {
  sentences: string[];
  position?: SentPosition;
  isStatic: boolean;
}

/** Positions are 1/10000 minute, speed and course 0.1 kn / 0.1°: what a decoder will give back. */
const quantise = (value: number, perUnit: number) => Math.round(value * perUnit) / perUnit;
/** 1/10000 minute on the air, then 6 decimals as `VesselPosition` carries degrees. */
const asCarried = (degrees: number) => Math.round((Math.round(degrees * 600_000) / 600_000) * 1e6) / 1e6;

/**
 * Turns vessel states into `!AIVDM` sentences (via protocols/ais/encode.ts). Each report of a vessel gets a
 * new radio-status value, as real SOTDMA/ITDMA transmissions do, so no two reports are byte-identical
 * sentences (the edge drops those as duplicates heard by two receivers).
 */
export class ReportEncoder {
  #sequenceId = 0;
  #channel: 'A' | 'B' = 'A';
  readonly #reportCount = new Map<number, number>();

  constructor(private readonly tagBlock: TagBlockOptions | undefined) {}

  position(vessel: Vessel, tsMs: number): EncodedReport {
    const count = this.#nextCount(vessel.mmsi);
    const [lon, lat] = vessel.position;
    const sog = quantise(vessel.sog, 10);
    const cog = quantise(vessel.cog, 10) % 360;
    const heading = vessel.heading;
    const second = Math.floor(tsMs / 1000) % 60;
    const radio = count & 0x7ffff;
    let bits: number[];
    let msgType: SentPosition['msgType'];
    if (vessel.identity.aisClass === 'B') {
      msgType = 18;
      bits = encodeClassBPosition({ mmsi: vessel.mmsi, sog, lon, lat, cog, heading, second, radio });
    } else {
      msgType = count % 7 === 3 ? 2 : count % 5 === 4 ? 3 : 1;
      bits = encodePositionReport({
        type: msgType,
        mmsi: vessel.mmsi,
        navStatus: vessel.navStatus,
        rot: 0,
        sog,
        lon,
        lat,
        cog,
        heading,
        second,
        radio,
      });
    }
    const position: SentPosition = {
      mmsi: vessel.mmsi,
      tsMs,
      lat: asCarried(lat),
      lon: asCarried(lon),
      sog,
      cog,
      heading,
      msgType,
    };
    return { sentences: this.#armour(bits, tsMs, false), position, isStatic: false };
  }

  /** Type 5 static and voyage data: two sentences with a shared sequence id. */
  staticReport(vessel: Vessel, tsMs: number): EncodedReport {
    const { identity } = vessel;
    const bits = encodeStaticVoyage({
      mmsi: identity.mmsi,
      callsign: identity.callsign,
      shipname: identity.name,
      shiptype: 30, // fishing
      toBow: Math.round(identity.lengthM * 0.6),
      toStern: identity.lengthM - Math.round(identity.lengthM * 0.6),
      toPort: Math.floor(identity.beamM / 2),
      toStarboard: identity.beamM - Math.floor(identity.beamM / 2),
      draught: identity.draughtM,
      destination: identity.homePort.name
        .normalize('NFD')
        .replace(/[\u0300-\u036f]/g, '')
        .replace('đ', 'd')
        .replace('Đ', 'D'),
    });
    return { sentences: this.#armour(bits, tsMs, true), isStatic: true };
  }

  #armour(bits: readonly number[], tsMs: number, multipart: boolean): string[] {
    const channel = this.#channel;
    this.#channel = channel === 'A' ? 'B' : 'A';
    const sequenceId = multipart ? this.#sequenceId++ % 10 : undefined;
    const sentences = toSentences(bits, sequenceId === undefined ? { channel } : { channel, sequenceId });
    if (!this.tagBlock) return sentences;
    return withTagBlock(sentences, {
      source: this.tagBlock.source,
      time: this.tagBlock.unit === 'ms' ? tsMs : Math.floor(tsMs / 1000),
    });
  }

  #nextCount(mmsi: number): number {
    const count = this.#reportCount.get(mmsi) ?? 0;
    this.#reportCount.set(mmsi, count + 1);
    return count;
  }
}
