import type { SubgraphServer } from './server.ts';

/**
 * A subgraph as one stoppable. Closing stops the server first (no new work; in-flight requests and
 * sockets drain), then the background parts together (event consumers, the outbox relay), then the
 * ORM they all used. Idempotent: every call returns the same promise.
 */
export function withOrderedShutdown(parts: {
  server: SubgraphServer;
  background: (() => Promise<void>)[];
  orm: { close(): Promise<void> };
}): SubgraphServer {
  let closing: Promise<void> | undefined;
  return {
    listen: (port, host, access) => parts.server.listen(port, host, access),
    close() {
      closing ??= (async () => {
        await parts.server.close();
        await Promise.all(parts.background.map((stop) => stop()));
        await parts.orm.close();
      })();
      return closing;
    },
  };
}
