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
  /**
   * Told once when the connection is lost (and again only after it came back), so an outage is one log line,
   * not one per reconnect attempt. Commands meanwhile fail (or wait, per the options) on their own.
   */
  onConnectionLost?: (error: Error) => void;
}

/** Reports a lost connection once per outage; without a listener ioredis prints every failed attempt. */
export function watchConnection(client: Redis, onLost: (error: Error) => void = () => undefined): void {
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    onLost(error);
  });
  client.on('ready', () => {
    down = false;
  });
}

/** A client for request-path commands. Creating one is the caller's job (no shared singleton). */
export function createRedis(options: RedisOptions): Redis {
  const client = new Redis(options.url, {
    keyPrefix: options.keyPrefix,
    connectionName: options.connectionName,
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
  watchConnection(client, options.onConnectionLost);
  return client;
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
