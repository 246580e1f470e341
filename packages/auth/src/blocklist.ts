import type { Redis } from 'ioredis';
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

const keyOf = (userId: string) => `auth:blocked:${userId}`;
const setKey = 'auth:blocked';
/** Keys per MGET: a long MGET holds Redis (single-threaded) for everyone else while it runs. */
const keysPerMget = 1_000;

const blockOf = (value: string | null): AccountBlock | null =>
  value === 'suspended' || value === 'deleted' ? value : null;

/** The error a blocked account's requests (and open subscriptions) get: suspended → FORBIDDEN, deleted → UNAUTHENTICATED. */
export function accountBlockedError(block: AccountBlock): ReturnType<typeof forbidden> {
  return block === 'suspended'
    ? forbidden('This account is suspended.')
    : unauthenticated('This account has been closed.');
}

/** The blocklist in Redis: one key per blocked account, plus a set of them to replace the list at once. */
export function redisAccountBlocklist(redis: Redis): AccountBlocklist {
  return {
    async statusOf(userId) {
      // Known to be down (reconnecting): fail at once rather than wait out the command timeout per request.
      if (redis.status !== 'ready') throw new Error(`Redis is ${redis.status}`);
      return blockOf(await redis.get(keyOf(userId)));
    },
    async statusOfMany(userIds) {
      if (userIds.length === 0) return [];
      if (redis.status !== 'ready') throw new Error(`Redis is ${redis.status}`);
      // Pipelined: one round trip however many MGETs the ids need.
      const pipeline = redis.pipeline();
      for (let start = 0; start < userIds.length; start += keysPerMget) {
        pipeline.mget(userIds.slice(start, start + keysPerMget).map(keyOf));
      }
      const replies = (await pipeline.exec()) ?? [];
      const statuses: (AccountBlock | null)[] = [];
      for (const [error, values] of replies) {
        if (error) throw error;
        for (const value of values as (string | null)[]) statuses.push(blockOf(value));
      }
      return statuses;
    },
    async block(userId, reason) {
      await redis.multi().set(keyOf(userId), reason).sadd(setKey, userId).exec();
    },
    async unblock(userId) {
      await redis.multi().del(keyOf(userId)).srem(setKey, userId).exec();
    },
    async replaceAll(entries) {
      const previous = await redis.smembers(setKey);
      const next = new Set(entries.map(([userId]) => userId));
      const transaction = redis.multi();
      for (const userId of previous) if (!next.has(userId)) transaction.del(keyOf(userId)).srem(setKey, userId);
      for (const [userId, reason] of entries) transaction.set(keyOf(userId), reason).sadd(setKey, userId);
      await transaction.exec();
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
