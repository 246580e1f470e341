import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Logger } from '@curbside/service';

/** A short fingerprint of a supergraph, to tell which one a gateway runs (readiness, logs). */
export const supergraphId = (sdl: string) => createHash('sha256').update(sdl).digest('hex').slice(0, 12);

/**
 * Watches the supergraph file (by polling its modification time: editors and deploy tools often replace a file
 * rather than write it, which event-based watching misses) and hands each new content to `apply`. `apply`
 * throws for an invalid supergraph: that one is refused and logged, and the gateway keeps the one it runs.
 */
export function watchSupergraphFile(options: {
  path: string;
  current: string;
  apply: (sdl: string) => void;
  logger: Logger;
  intervalMs?: number;
}): { stop(): void } {
  const { path, logger } = options;
  let current = options.current;
  let lastModified = 0;
  let checking = false;
  const timer = setInterval(async () => {
    if (checking) return;
    checking = true;
    try {
      const modified = (await stat(path)).mtimeMs;
      if (modified === lastModified) return;
      lastModified = modified;
      const sdl = await readFile(path, 'utf8');
      if (sdl === current) return;
      try {
        options.apply(sdl);
        current = sdl;
        logger.info({ path, supergraph: supergraphId(sdl) }, 'supergraph file changed: now serving it');
      } catch (error) {
        logger.error({ err: error, path }, 'supergraph file changed but is invalid: refused, keeping the current one');
      }
    } catch (error) {
      logger.warn({ err: error, path }, 'cannot read the supergraph file; keeping the current one');
    } finally {
      checking = false;
    }
  }, options.intervalMs ?? 500);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
