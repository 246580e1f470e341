import type { GraphQLError } from 'graphql';
import { systemClock, type Clock } from '@curbside/async';
import type { RedisClient } from '@curbside/redis';
import { clientError } from '@curbside/errors';

/** Sign-in attempts one account may receive per minute: 10, as the gateway's `RATE_LIMIT_AUTH_ATTEMPTS`. */
export const defaultAuthAttemptsPerMinute = 10;

/** The counting window: a fixed minute, as the gateway's rate limits. */
const windowMs = 60_000;

/** How often an unreachable Redis is told: once a minute, so an outage is a few lines, not one per sign-in. */
const unavailableReportMs = 60_000;

/**
 * Adds one attempt to the window's count and reads the count and the time left in the window, atomically (the
 * gateway's charge script): the first attempt of a window sets its expiry, so nothing is left behind.
 */
const countScript = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if total == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {total, redis.call('PTTL', KEYS[1])}`;

/** The count script as a command of the client: sent by its SHA1 (EVALSHA), the body only once per connection. */
interface CountCommand {
  curbsideLoginAttempt(key: string, amount: number, windowMs: number): Promise<[total: number, ttlMs: number]>;
}

export interface LoginAttemptsOptions {
  /** Key-prefixed client; keys are `auth:attempts:user:<id>:<window>` under its prefix. */
  redis: RedisClient;
  /** Attempts one account may receive per one-minute window; the next ones are refused. Default 10. */
  maxPerMinute?: number | undefined;
  /**
   * Told when Redis cannot be reached and attempts pass uncounted (failing open: sign-in must keep working
   * without Redis, and the gateway still limits per address), at most once a minute.
   */
  onUnavailable: (error: unknown) => void;
  /** Where the window and the outage reports read the time. Default `systemClock`; tests move a `manualClock`. */
  clock?: Clock | undefined;
}

/** Whether an attempt on an account may go on to the password check, or how long until it may. */
export type AttemptDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Sign-in attempts counted per account (its user id), in Redis so that every replica counts together. The
 * gateway counts per name as written, so an account named by its email and by its username there has two
 * budgets; only this subgraph knows both names are one account, so it counts once more, by id, before the
 * password hash is verified (argon2 costs about 20 ms of a core).
 */
export function makeLoginAttempts(options: LoginAttemptsOptions) {
  const { redis, maxPerMinute = defaultAuthAttemptsPerMinute, onUnavailable, clock = systemClock } = options;
  redis.defineCommand('curbsideLoginAttempt', { numberOfKeys: 1, lua: countScript });
  const commands = redis as unknown as CountCommand;
  let lastReport = -Infinity;

  function unavailable(error: unknown): AttemptDecision {
    if (clock.now() - lastReport >= unavailableReportMs) {
      lastReport = clock.now();
      onUnavailable(error);
    }
    return { allowed: true };
  }

  return {
    /** Counts one attempt on the account; refused past `maxPerMinute` in the current minute. */
    async count(userId: string): Promise<AttemptDecision> {
      // Known to be down (reconnecting): fail open at once rather than wait out the command timeout.
      if (redis.status !== 'ready') return unavailable(new Error(`Redis is ${redis.status}`));
      const window = Math.floor(clock.now() / windowMs);
      try {
        const [total, ttl] = await commands.curbsideLoginAttempt(`auth:attempts:user:${userId}:${window}`, 1, windowMs);
        return total > maxPerMinute ? { allowed: false, retryAfterMs: Math.max(ttl, 1) } : { allowed: true };
      } catch (error) {
        return unavailable(error);
      }
    },
  };
}

export type LoginAttempts = ReturnType<typeof makeLoginAttempts>;

/**
 * The refusal of an attempt past the account's limit: the same words as the gateway's and whatever the password,
 * since it was not checked.
 */
export function tooManyAttempts(retryAfterMs: number): GraphQLError {
  return clientError('RATE_LIMITED', `Too many requests; retry in ${Math.ceil(retryAfterMs / 1000)} s.`, {
    retryAfterMs,
  });
}
