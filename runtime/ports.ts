import { createServer } from 'node:net';

/** Listens on `port` (0 = the kernel chooses) and reports the port it got, or undefined when it is taken. */
async function tryPort(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/** A free TCP port on loopback, chosen by the kernel. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const port = await tryPort(0, host);
  if (port === undefined) throw new Error(`no free TCP port on ${host}`);
  return port;
}

/** `preferred` when it is free (stable, easy to remember addresses for people), else any free port. */
export async function preferredPort(preferred: number, host = '127.0.0.1'): Promise<number> {
  return (await tryPort(preferred, host)) ?? freePort(host);
}
