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

/** Something long-lived a start-up step returns: BullMQ-style `close()` or the relay's `stop()`. */
export type Stoppable = { close(): Promise<void> } | { stop(): Promise<void> };

/** The function that stops `part`. */
export function stopperOf(part: Stoppable): () => Promise<void> {
  return 'close' in part ? () => part.close() : () => part.stop();
}

/**
 * Runs start-up steps one after another, remembering how to stop each part started. If a step throws,
 * every part already started is stopped, newest first (a part may use an older one, never a newer one),
 * and the step's error is rethrown; a part that fails to stop is reported to `onStopError` and the others
 * are still stopped.
 */
export function startupSequence(onStopError: (error: unknown) => void) {
  const stops: (() => Promise<void>)[] = [];
  const release = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(onStopError);
  };
  return {
    /** Runs `start`; once it succeeded, `stop` is called if a later step fails. Returns what `start` returned. */
    async step<Part>(start: () => Part | Promise<Part>, stop: (part: Part) => Promise<void>): Promise<Part> {
      let part: Part;
      try {
        part = await start();
      } catch (error) {
        await release();
        throw error;
      }
      stops.push(() => stop(part));
      return part;
    },
    /** Runs a step that starts nothing (a check, a rebuild); a failure still releases what was started. */
    async run<Result>(work: () => Result | Promise<Result>): Promise<Result> {
      try {
        return await work();
      } catch (error) {
        await release();
        throw error;
      }
    },
  };
}
