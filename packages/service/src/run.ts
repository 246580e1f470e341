import type { Logger } from 'pino';
import { ConfigError } from './env.ts';

export interface RunningService {
  logger: Logger;
  /** Stops accepting work, drains, closes connections. */
  stop(): Promise<void>;
  /** How long `stop` may take before the process exits anyway (code 1). Default `defaultStopTimeoutMs`. */
  stopTimeoutMs?: number;
}

/**
 * How long a stop may take before the process exits anyway, unless the service says: 15 seconds. A subgraph's
 * stop drains its requests for up to 10 s, then closes its relay, consumers and pools: 10 s would cut that short.
 */
export const defaultStopTimeoutMs = 15_000;

/**
 * The only place a deployable's process is managed: starts it, reports a bad configuration (every
 * problem) or a failed start and exits 1, and on SIGTERM/SIGINT stops it and exits 0. The signal
 * handlers are installed before starting, so a signal that arrives while starting is not fatal: the
 * service stops as soon as it has started. `start` is given a signal aborted by such a signal, for a start
 * that may wait indefinitely (a subgraph waiting for its migrations): if it gives up because of it, the
 * process exits 0, as a stop would.
 */
export async function runService(
  name: string,
  start: (stopRequested: AbortSignal) => Promise<RunningService>,
): Promise<void> {
  let service: RunningService | undefined;
  let requested: string | undefined;
  let stopping = false;
  const whileStarting = new AbortController();
  const stop = (signal: string) => {
    requested ??= signal;
    whileStarting.abort();
    if (!service || stopping) return;
    stopping = true;
    const running = service;
    running.logger.info({ signal }, 'stopping');
    const timer = setTimeout(() => {
      running.logger.error('stop timed out; exiting');
      process.exit(1);
    }, running.stopTimeoutMs ?? defaultStopTimeoutMs);
    timer.unref();
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        running.logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    service = await start(whileStarting.signal);
  } catch (error) {
    if (whileStarting.signal.aborted) {
      console.error(`${name}: stopped (${requested}) before it had started`);
      process.exit(0);
    }
    if (error instanceof ConfigError) console.error(`${name}: ${error.message}`);
    else console.error(`${name}: failed to start:`, error);
    process.exit(1);
  }
  if (requested) stop(requested);
}
