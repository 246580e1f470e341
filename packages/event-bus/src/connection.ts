import type { ConnectionOptions } from 'bullmq';
import { Cluster } from 'ioredis';
import { closeRedis, connectionOptionsOf, connectRedis } from '@curbside/redis';

/**
 * BullMQ connection options from a Redis URL (`rediss://` for TLS), or, with `clusterNodes`, a Redis Cluster
 * client that BullMQ shares between the queues given it (and duplicates for each worker's blocking commands):
 * close that one with `closeBullConnection` once they are closed. `maxRetriesPerRequest: null` is what BullMQ
 * requires of worker connections: a blocking command must wait out a reconnect rather than fail the worker.
 */
export function bullConnection(redisUrl: string, clusterNodes: readonly string[] = []): ConnectionOptions {
  if (clusterNodes.length > 0) {
    return connectRedis(
      { url: redisUrl, clusterNodes },
      { connectionName: 'bullmq', maxRetriesPerRequest: null, lazyConnect: true },
    ) as Cluster;
  }
  return { ...connectionOptionsOf(redisUrl), maxRetriesPerRequest: null };
}

/** Closes what `bullConnection` opened (a cluster client; options need nothing); idempotent. */
export async function closeBullConnection(connection: ConnectionOptions): Promise<void> {
  if (connection instanceof Cluster) await closeRedis(connection);
}

/** Where BullMQ keeps its keys: under the service's key prefix, so test runs never share queues. */
export const bullPrefix = (keyPrefix: string): string => `${keyPrefix}bull`;

/**
 * A queue's BullMQ options on `bus`: its keys under the bus prefix and the queue's own hash tag
 * (`<prefix>:{<queue>}:<queue>:wait`, ...). BullMQ's scripts touch several keys of one queue at once, which a
 * Redis Cluster allows only within one slot; one tag per queue keeps each queue's keys together and spreads the
 * queues over the cluster's nodes. Every Queue and Worker is made with these, never with the bus as is.
 */
export function queueOptions(
  bus: { connection: ConnectionOptions; prefix: string },
  queue: string,
): { connection: ConnectionOptions; prefix: string } {
  if (/[{}]/.test(queue)) throw new Error(`expects a queue name without { or }, but got ${queue}`);
  return { connection: bus.connection, prefix: `${bus.prefix}:{${queue}}` };
}
