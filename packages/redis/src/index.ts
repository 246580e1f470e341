import { Redis } from 'ioredis';

export type { Redis };

/** The project machines' and docker-compose's Redis. */
export const defaultRedisUrl = 'redis://127.0.0.1:6379';
/** Namespace of every key Curbside writes; test runs use their own (`curbside:t:<run>:...`). */
export const defaultKeyPrefix = 'curbside:';

export interface RedisOptions {
  url: string;
  /** Prepended to every key (not to pub/sub channels). */
  keyPrefix: string;
  /** Shown in CLIENT LIST, to tell connections apart. */
  connectionName: string;
  /**
   * Commands fail after this long instead of waiting for a reconnect: callers on a request path
   * decide what an unreachable Redis means for them. Default 1 second.
   */
  commandTimeoutMs?: number;
}

/** A client for request-path commands. Creating one is the caller's job (no shared singleton). */
export function createRedis(options: RedisOptions): Redis {
  return new Redis(options.url, {
    keyPrefix: options.keyPrefix,
    connectionName: options.connectionName,
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
}

/** Closes a client, waiting for pending replies; idempotent. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
