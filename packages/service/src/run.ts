import type { Logger } from 'pino';
import { ConfigError } from './env.ts';

export interface RunningService {
  logger: Logger;
  /** Stops accepting work, drains, closes connections. */
  stop(): Promise<void>;
}

/** How long a stop may take before the process exits anyway: 10 seconds. */
const stopTimeoutMs = 10_000;

/**
 * The only place a deployable's process is managed: starts it, reports a bad configuration (every
 * problem) or a failed start and exits 1, and on SIGTERM/SIGINT stops it and exits 0.
 */
export async function runService(name: string, start: () => Promise<RunningService>): Promise<void> {
  let service: RunningService;
  try {
    service = await start();
  } catch (error) {
    if (error instanceof ConfigError) console.error(`${name}: ${error.message}`);
    else console.error(`${name}: failed to start:`, error);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    service.logger.info({ signal }, 'stopping');
    const timer = setTimeout(() => {
      service.logger.error('stop timed out; exiting');
      process.exit(1);
    }, stopTimeoutMs);
    timer.unref();
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        service.logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
