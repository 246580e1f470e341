import type { Logger } from 'pino';
import { ConfigError } from './env.ts';

export interface RunningService {
  logger: Logger;
  /** Stops accepting work, drains, closes connections. */
  stop(): Promise<void>;
  /** How long `stop` may take before the process exits anyway (code 1). Default `defaultStopTimeoutMs`. */
  stopTimeoutMs?: number;
}

/** How long a stop may take before the process exits anyway, unless the service says: 10 seconds. */
export const defaultStopTimeoutMs = 10_000;

/**
 * The only place a deployable's process is managed: starts it, reports a bad configuration (every
 * problem) or a failed start and exits 1, and on SIGTERM/SIGINT stops it and exits 0. The signal
 * handlers are installed before starting, so a signal that arrives while starting is not fatal: the
 * service stops as soon as it has started.
 */
export async function runService(name: string, start: () => Promise<RunningService>): Promise<void> {
  let service: RunningService | undefined;
  let requested: string | undefined;
  let stopping = false;
  const stop = (signal: string) => {
    requested ??= signal;
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
    service = await start();
  } catch (error) {
    if (error instanceof ConfigError) console.error(`${name}: ${error.message}`);
    else console.error(`${name}: failed to start:`, error);
    process.exit(1);
  }
  if (requested) stop(requested);
}
