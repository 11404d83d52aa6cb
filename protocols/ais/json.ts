import type { AisMessage } from './messages.js';

/**
 * gpsd's AIS JSON (what `gpsdecode -j` / `-u -j` print): `class`, `device`, the header, `scaled`, then the
 * message fields.
 */
export interface GpsdJsonOptions {
  /** false: raw integers as `gpsdecode -u -j`; true: degrees/knots/… as `gpsdecode -j`. */
  scaled: boolean;
  /** The `device` member; gpsdecode prints `stdin`. */
  device?: string;
}

const HEAD = '{"class":"AIS","device":"stdin",';

export function toGpsdJson(message: AisMessage, options: GpsdJsonOptions): string {
  const body = JSON.stringify(message);
  // body starts with {"type":T,"repeat":R,"mmsi":M, ... : gpsd puts "scaled" right after mmsi.
  const afterMmsi = body.indexOf(',', body.indexOf('"mmsi":') + 7);
  const head = options.device === undefined ? HEAD : `{"class":"AIS","device":${JSON.stringify(options.device)},`;
  const scaled = options.scaled ? '"scaled":true' : '"scaled":false';
  if (afterMmsi < 0) return `${head}${body.slice(1, -1)},${scaled}}`;
  return `${head}${body.slice(1, afterMmsi)},${scaled}${body.slice(afterMmsi)}`;
}
