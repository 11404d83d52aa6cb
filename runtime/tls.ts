import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';

/** A server's certificate (chain) and private key, PEM files. Relative paths are from the working directory. */
export const TlsServerConfig = Type.Object(
  {
    certFile: Type.String({ minLength: 1, description: 'PEM certificate, the chain after it' }),
    keyFile: Type.String({ minLength: 1, description: 'PEM private key' }),
    /** A connection that has not finished its TLS handshake by then is closed (Node's default: 120 s). */
    handshakeTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
  },
  { additionalProperties: false },
);
export type TlsServerConfig = Static<typeof TlsServerConfig>;

/** How a client checks the server: a private CA (PEM), or the system's CAs when absent. */
export const TlsClientConfig = Type.Object(
  {
    caFile: Type.Optional(
      Type.String({ minLength: 1, description: 'PEM CA certificate(s) to trust instead of the system ones' }),
    ),
    /** Host name the certificate must name when the URL's host is an address (SNI and the check). */
    servername: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type TlsClientConfig = Static<typeof TlsClientConfig>;

/** Thrown when a TLS file cannot be read: names the config key and the file. */
export class TlsFileError extends Error {
  constructor(key: string, file: string, cause: Error) {
    super(`${key}: cannot read ${file}: ${cause.message}`);
    this.name = 'TlsFileError';
  }
}

// Synchronous on purpose: read once while a service is being built (fastify takes its key at construction).
function readPem(key: string, file: string): Buffer {
  const resolved = path.resolve(file);
  let pem: Buffer;
  try {
    pem = readFileSync(resolved);
  } catch (error) {
    throw new TlsFileError(key, resolved, error as Error);
  }
  if (!pem.includes('-----BEGIN '))
    throw new TlsFileError(key, resolved, new Error('not a PEM file (no -----BEGIN line)'));
  return pem;
}

/** Reads the server's PEM files; `where` is the config path of the section (e.g. `cloud.tls`). */
export function readTlsServerFiles(
  config: TlsServerConfig,
  where: string,
): { cert: Buffer; key: Buffer; handshakeTimeout: number } {
  return {
    cert: readPem(`${where}.certFile`, config.certFile),
    key: readPem(`${where}.keyFile`, config.keyFile),
    handshakeTimeout: config.handshakeTimeoutMs,
  };
}

/** Reads the client's trust settings; `where` is the config path of the section (e.g. `edge.mqtt.tls`). */
export function readTlsClientFiles(
  config: TlsClientConfig,
  where: string,
): { ca?: Buffer; servername?: string } {
  const files: { ca?: Buffer; servername?: string } = {};
  if (config.caFile) files.ca = readPem(`${where}.caFile`, config.caFile);
  if (config.servername) files.servername = config.servername;
  return files;
}
