import { Cluster, Redis } from 'ioredis';

export { Cluster };

/**
 * A Redis client: one server's (`Redis`) or a Redis Cluster's (`Cluster`). Both speak the same commands; on a
 * cluster every multi-key command, transaction and script must keep its keys in one hash slot (see `hashTag`).
 */
export type RedisClient = Redis | Cluster;
/** The former name of `RedisClient`, for files not yet moved to it. */
export type { RedisClient as Redis };

/** The project machines' and docker-compose's Redis. */
export const defaultRedisUrl = 'redis://127.0.0.1:6379';
/** Namespace of every key Curbside writes; test runs use their own (`curbside:t:<run>:...`). */
export const defaultKeyPrefix = 'curbside:';

/**
 * Where Redis is. `url` (`redis://`, or `rediss://` for TLS, with user and password if any) names one server,
 * or, with `clusterNodes`, gives the scheme and credentials of every node of a cluster.
 */
export interface RedisTarget {
  url: string;
  /**
   * Seed nodes of a Redis Cluster (`host:port`; the client discovers the others). Default none: the single
   * server at `url`.
   */
  clusterNodes?: readonly string[] | undefined;
}

export interface RedisOptions extends RedisTarget {
  /** Prepended to every key (not to pub/sub channels). Holds no `{` or `}`: hash tags are the keys' own. */
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

/**
 * `REDIS_CLUSTER_NODES` as seed nodes: `host:port` separated by commas (blanks ignored); throws naming the first
 * entry that is not one.
 */
export function parseClusterNodes(text: string): string[] {
  const nodes = text
    .split(',')
    .map((node) => node.trim())
    .filter(Boolean);
  for (const node of nodes) {
    const match = /^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(node);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 65_535) {
      throw new Error(`expects host:port, but got ${JSON.stringify(node)}`);
    }
  }
  return nodes;
}

/**
 * The Redis of `REDIS_URL` and `REDIS_CLUSTER_NODES`, for commands and tests (services read both through their
 * env.ts, which reports every bad variable at once).
 */
export function redisTargetFromEnv(env: NodeJS.ProcessEnv): RedisTarget {
  return {
    url: env['REDIS_URL'] ?? defaultRedisUrl,
    clusterNodes: parseClusterNodes(env['REDIS_CLUSTER_NODES'] ?? ''),
  };
}

/** Whether `target` is a Redis Cluster. */
export const isCluster = (target: RedisTarget): boolean => (target.clusterNodes?.length ?? 0) > 0;

/** What `url` says about every connection: TLS (`rediss://`), user, password and database. */
export function connectionOptionsOf(url: string): {
  username?: string;
  password?: string;
  tls?: Record<string, never>;
  db: number;
  host: string;
  port: number;
} {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`expects a redis:// or rediss:// URL, but got ${parsed.protocol}//`);
  }
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(parsed.port || 6379),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    db: Number(parsed.pathname.slice(1) || 0),
  };
}

/** Seed nodes as ioredis takes them. */
export function clusterSeeds(nodes: readonly string[]): { host: string; port: number }[] {
  return nodes.map((node) => {
    const colon = node.lastIndexOf(':');
    return { host: node.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(node.slice(colon + 1)) };
  });
}

/**
 * A client on `target`: one server, or a cluster when `target.clusterNodes` are given (connections per node
 * with the URL's TLS and credentials; reads from primaries, so a write is read back at once). `extra` applies to
 * each node's connection.
 */
export function connectRedis(
  target: RedisTarget,
  extra: { keyPrefix?: string; connectionName: string } & Record<string, unknown>,
  cluster: Record<string, unknown> = {},
): RedisClient {
  const { host, port, db, ...auth } = connectionOptionsOf(target.url);
  const { keyPrefix, ...perConnection } = extra;
  if (keyPrefix !== undefined && /[{}]/.test(keyPrefix)) {
    // A brace in the prefix would make it every key's hash tag: all of them in one slot of a cluster.
    throw new Error(`expects a key prefix without { or }, but got ${JSON.stringify(keyPrefix)}`);
  }
  if (!isCluster(target)) {
    return new Redis({ host, port, db, ...auth, ...(keyPrefix ? { keyPrefix } : {}), ...perConnection });
  }
  if (db !== 0) throw new Error(`expects database 0 on a Redis Cluster (it has no other), but got ${db}`);
  const { maxRetriesPerRequest, enableOfflineQueue, lazyConnect, ...redisOptions } = perConnection;
  return new Cluster(clusterSeeds(target.clusterNodes ?? []), {
    ...(keyPrefix ? { keyPrefix } : {}),
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue: enableOfflineQueue as boolean }),
    ...(lazyConnect === undefined ? {} : { lazyConnect: lazyConnect as boolean }),
    // A failover takes the cluster a few seconds (node timeout, then election): commands wait it out in
    // ioredis's retries rather than fail on the first closed connection.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    ...cluster,
    redisOptions: {
      ...auth,
      ...redisOptions,
      ...(maxRetriesPerRequest === undefined ? {} : { maxRetriesPerRequest: maxRetriesPerRequest as number | null }),
    },
  });
}

/** Reports a lost connection once per outage; without a listener ioredis prints every failed attempt. */
export function watchConnection(client: RedisClient, onLost: (error: Error) => void = () => undefined): void {
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
export function createRedis(options: RedisOptions): RedisClient {
  const client = connectRedis(options, {
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
export async function closeRedis(redis: RedisClient): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}

/**
 * `{name}`: the hash tag that puts every key holding it in one slot of a cluster (Redis hashes only the part
 * between the first `{` and the next `}`). Each feature tags the keys it must touch together, and no more, so
 * that its keys spread over the cluster's slots: one tag for the geo index, one per live-event key, one per queue.
 */
export function hashTag(name: string): string {
  if (name.length === 0 || /[{}]/.test(name)) {
    throw new Error(`expects a non-empty hash tag name without { or }, but got ${JSON.stringify(name)}`);
  }
  return `{${name}}`;
}

/**
 * Deletes every key starting with `prefix` (a test's or a bench's namespace), on every primary of a cluster.
 * Keys go one per DEL on a cluster, since they lie in many slots. Resolves with how many were deleted.
 */
export async function deleteKeysWithPrefix(redis: RedisClient, prefix: string): Promise<number> {
  const match = `${prefix.replace(/[*?[\]\\]/g, (char) => `\\${char}`)}*`;
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const clientPrefix = redis.options.keyPrefix ?? '';
  let deleted = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      // SCAN's MATCH is never prefixed by ioredis, DEL's keys are: strip the client's prefix before deleting.
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1_000);
      cursor = next;
      const bare = keys.map((key) => (key.startsWith(clientPrefix) ? key.slice(clientPrefix.length) : key));
      if (bare.length === 0) continue;
      if (redis instanceof Cluster) {
        await Promise.all(bare.map((key) => redis.del(key)));
      } else {
        await redis.del(...bare);
      }
      deleted += bare.length;
    } while (cursor !== '0');
  }
  return deleted;
}

/**
 * How many connections subscribe to `channel`: PUBSUB NUMSUB on one server; on a cluster, where live events use
 * sharded pub/sub, PUBSUB SHARDNUMSUB on every primary (only the one serving the channel's slot counts any).
 */
export async function countSubscribers(redis: RedisClient, channel: string): Promise<number> {
  const sharded = redis instanceof Cluster;
  const nodes = sharded ? redis.nodes('master') : [redis];
  let count = 0;
  for (const node of nodes) {
    const reply = (await node.call('PUBSUB', sharded ? 'SHARDNUMSUB' : 'NUMSUB', channel)) as [string, number];
    count += Number(reply[1]);
  }
  return count;
}
