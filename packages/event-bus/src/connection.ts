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

/** How long a relay waits for a replica to confirm a batch's jobs: 2 seconds. */
const replicaWaitMs = 2_000;

/**
 * Resolves once the jobs just added to `queue` through `connection` are on a replica of its primary, when that
 * primary has one (a Redis Cluster's failover promotes a replica: what only the failed primary held is lost).
 * WAIT counts the writes of the connection it is sent on, so it goes, pipelined behind a key of the queue's hash
 * tag, on the cluster client's connection to that primary: the one the jobs were added through. Throws when no
 * replica confirms in time, so that the caller keeps the events to send again (their job ids make a second add
 * of a job that did arrive a no-op). On one server (options, not a cluster client) there is nothing to wait for.
 */
export async function replicatedOn(connection: ConnectionOptions, prefix: string, queue: string): Promise<void> {
  if (!(connection instanceof Cluster)) return;
  const { prefix: queuePrefix } = queueOptions({ connection, prefix }, queue);
  // A cluster pipeline goes to the node of its keys' slot: INFO and WAIT have none, so each follows a keyed read.
  const replies = (await connection.pipeline().exists(queuePrefix).info('replication').exec()) ?? [];
  const replication = String(replies[1]?.[1] ?? '');
  const replicas = Number(/connected_slaves:(\d+)/.exec(replication)?.[1] ?? 0);
  if (replicas === 0) return;
  const waited = (await connection.pipeline().exists(queuePrefix).wait(1, replicaWaitMs).exec()) ?? [];
  const [error, acknowledged] = waited[1] ?? [new Error('no reply to WAIT'), 0];
  if (error) throw error;
  if (Number(acknowledged) < 1) {
    throw new Error(`the ${queue} queue's jobs reached no replica within ${replicaWaitMs} ms`);
  }
}
