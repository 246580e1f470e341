import type { Cluster, Redis } from 'ioredis';
import { forbidden, unauthenticated } from '@curbside/errors';
import type { JWTVerifyGetKey } from 'jose';
import { makeAccessTokenVerifier, withVerifiedTokenCache, type AccessTokenVerifier } from './verify.ts';

/** Why an account may no longer act, although its access token is still valid. */
export type AccountBlock = 'suspended' | 'deleted';

/**
 * Accounts whose still-valid access tokens must be refused. Written by the user subgraph (which owns
 * accounts), read by the gateway and every subgraph on each signed-in request.
 */
export interface AccountBlocklist {
  statusOf(userId: string): Promise<AccountBlock | null>;
  /** The status of each account, in the order given (null: not blocked), in one round trip. */
  statusOfMany(userIds: readonly string[]): Promise<(AccountBlock | null)[]>;
  block(userId: string, reason: AccountBlock): Promise<void>;
  unblock(userId: string): Promise<void>;
  /** Replaces the whole list: the user subgraph's database is the source of truth, Redis a copy. */
  replaceAll(entries: [userId: string, reason: AccountBlock][]): Promise<void>;
}

/**
 * The list is spread over buckets, each a hash (account id → reason) under its own hash tag: every change touches
 * one key, so it is atomic on a cluster too, and reads spread over the cluster's nodes rather than all landing on
 * one. 64 buckets: several per node of any cluster this runs on, few enough to replace the list bucket by bucket.
 */
const buckets = 64;
const bucketKey = (bucket: number) => `{auth:blocked:${bucket}}`;

/** FNV-1a over the id's UTF-16 units: stable across processes, cheap on every request. */
function bucketOf(userId: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < userId.length; index++) {
    hash ^= userId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % buckets;
}

/** The layout before buckets (a key per account and a set of them), removed by the first `replaceAll`. */
const legacySetKey = 'auth:blocked';
const legacyKeyOf = (userId: string) => `auth:blocked:${userId}`;

const blockOf = (value: string | null | undefined): AccountBlock | null =>
  value === 'suspended' || value === 'deleted' ? value : null;

/** The error a blocked account's requests (and open subscriptions) get: suspended → FORBIDDEN, deleted → UNAUTHENTICATED. */
export function accountBlockedError(block: AccountBlock): ReturnType<typeof forbidden> {
  return block === 'suspended'
    ? forbidden('This account is suspended.')
    : unauthenticated('This account has been closed.');
}

/** The blocklist in Redis (one server or a cluster): 64 hashes of blocked account id → reason. */
export function redisAccountBlocklist(redis: Redis | Cluster): AccountBlocklist {
  return {
    async statusOf(userId) {
      // Known to be down (reconnecting): fail at once rather than wait out the command timeout per request.
      if (redis.status !== 'ready') throw new Error(`Redis is ${redis.status}`);
      return blockOf(await redis.hget(bucketKey(bucketOf(userId)), userId));
    },
    async statusOfMany(userIds) {
      if (userIds.length === 0) return [];
      if (redis.status !== 'ready') throw new Error(`Redis is ${redis.status}`);
      const positions = new Map<number, number[]>();
      for (const [index, userId] of userIds.entries()) {
        const bucket = bucketOf(userId);
        const list = positions.get(bucket) ?? [];
        list.push(index);
        positions.set(bucket, list);
      }
      // One HMGET per bucket, all sent at once (ioredis writes them together, per node on a cluster); at most 64
      // commands of about |ids| / 64 fields each, so no single one holds Redis long.
      const statuses: (AccountBlock | null)[] = new Array<AccountBlock | null>(userIds.length).fill(null);
      await Promise.all(
        [...positions].map(async ([bucket, indexes]) => {
          const values = await redis.hmget(bucketKey(bucket), ...indexes.map((index) => userIds[index]!));
          for (const [at, index] of indexes.entries()) statuses[index] = blockOf(values[at]);
        }),
      );
      return statuses;
    },
    async block(userId, reason) {
      await redis.hset(bucketKey(bucketOf(userId)), userId, reason);
    },
    async unblock(userId) {
      await redis.hdel(bucketKey(bucketOf(userId)), userId);
    },
    async replaceAll(entries) {
      const byBucket = new Map<number, string[]>();
      for (const [userId, reason] of entries) {
        const bucket = bucketOf(userId);
        const fields = byBucket.get(bucket) ?? [];
        fields.push(userId, reason);
        byBucket.set(bucket, fields);
      }
      // Bucket by bucket, each replaced atomically: an account reads its old status or its new one, never none.
      for (let bucket = 0; bucket < buckets; bucket++) {
        const fields = byBucket.get(bucket);
        const transaction = redis.multi().del(bucketKey(bucket));
        if (fields) transaction.hset(bucketKey(bucket), ...fields);
        await transaction.exec();
      }
      const legacy = await redis.smembers(legacySetKey);
      if (legacy.length > 0) {
        await Promise.all(legacy.map((userId) => redis.del(legacyKeyOf(userId))));
        await redis.del(legacySetKey);
      }
    },
  };
}

/**
 * A verifier that also refuses blocked accounts: suspended → `FORBIDDEN`, deleted → `UNAUTHENTICATED`.
 * When the blocklist cannot be read (Redis down), the token alone decides and `onUnavailable` is told:
 * refusing every signed-in request during an outage would be worse than a suspension taking effect
 * late, and access tokens live 15 minutes at most.
 */
export function withAccountBlocklist(
  verify: AccessTokenVerifier,
  blocklist: AccountBlocklist,
  onUnavailable: (error: unknown) => void,
): AccessTokenVerifier {
  return async (token) => {
    const viewer = await verify(token);
    let status: AccountBlock | null = null;
    try {
      status = await blocklist.statusOf(viewer.userId);
    } catch (error) {
      onUnavailable(error);
    }
    if (status) throw accountBlockedError(status);
    return viewer;
  };
}

export interface AccessTokenCheckOptions {
  /** Where the signing keys come from: `remoteKeySet(jwksUrl)`, or `localKeySet(jwks)` in the user subgraph. */
  keys: JWTVerifyGetKey;
  /** Suspended and closed accounts, checked after the signature (every request). */
  blocklist: AccountBlocklist;
  /** Told when the blocklist cannot be read (the token alone decides then). */
  onBlocklistUnavailable: (error: unknown) => void;
  /**
   * Remember verified tokens up to 60 s, never past expiry (the blocklist is still read every time): for the
   * gateway, which verifies every request's token. Default false.
   */
  rememberVerified?: boolean;
}

/**
 * The one chain every service verifies access tokens with: signature and claims against `keys`, optionally
 * remembered, then the account blocklist (suspended → FORBIDDEN, closed → UNAUTHENTICATED).
 */
export function makeAccessTokenCheck(options: AccessTokenCheckOptions): AccessTokenVerifier {
  const verify = makeAccessTokenVerifier(options.keys);
  return withAccountBlocklist(
    options.rememberVerified ? withVerifiedTokenCache(verify) : verify,
    options.blocklist,
    options.onBlocklistUnavailable,
  );
}
