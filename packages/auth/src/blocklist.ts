import type { Redis } from 'ioredis';
import { forbidden, unauthenticated } from '@curbside/errors';
import type { AccessTokenVerifier } from './verify.ts';

/** Why an account may no longer act, although its access token is still valid. */
export type AccountBlock = 'suspended' | 'deleted';

/**
 * Accounts whose still-valid access tokens must be refused. Written by the user subgraph (which owns
 * accounts), read by the gateway and every subgraph on each signed-in request.
 */
export interface AccountBlocklist {
  statusOf(userId: string): Promise<AccountBlock | null>;
  block(userId: string, reason: AccountBlock): Promise<void>;
  unblock(userId: string): Promise<void>;
  /** Replaces the whole list: the user subgraph's database is the source of truth, Redis a copy. */
  replaceAll(entries: [userId: string, reason: AccountBlock][]): Promise<void>;
}

const keyOf = (userId: string) => `auth:blocked:${userId}`;
const setKey = 'auth:blocked';

/** The blocklist in Redis: one key per blocked account, plus a set of them to replace the list at once. */
export function redisAccountBlocklist(redis: Redis): AccountBlocklist {
  return {
    async statusOf(userId) {
      // Known to be down (reconnecting): fail at once rather than wait out the command timeout per request.
      if (redis.status !== 'ready') throw new Error(`Redis is ${redis.status}`);
      const value = await redis.get(keyOf(userId));
      return value === 'suspended' || value === 'deleted' ? value : null;
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
    if (status === 'suspended') throw forbidden('This account is suspended.');
    if (status === 'deleted') throw unauthenticated('This account has been closed.');
    return viewer;
  };
}
