import type { ConnectionOptions } from 'bullmq';

/**
 * BullMQ connection options from a Redis URL. `maxRetriesPerRequest: null` is what BullMQ requires of
 * worker connections: a blocking command must wait out a reconnect rather than fail the worker.
 */
export function bullConnection(redisUrl: string): ConnectionOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    db: Number(url.pathname.slice(1) || 0),
    maxRetriesPerRequest: null,
  };
}

/** Where BullMQ keeps its keys: under the service's key prefix, so test runs never share queues. */
export const bullPrefix = (keyPrefix: string): string => `${keyPrefix}bull`;
