import { systemClock, type Clock } from '@curbside/async';
import type { RedisClient } from '@curbside/redis';

/** Budgets per minute, shared by every gateway through Redis. */
export interface RateLimits {
  /**
   * Cost points a signed-in user may spend per minute (an operation costs its estimated cost, see cost.ts).
   * Default 50,000: about 175 feed pages of 20 posts with authors, vendors and media (about 280 each), and
   * 10 operations at the per-operation maximum (5,000).
   */
  userCostPerMinute: number;
  /**
   * Cost points per minute for anonymous callers, per IP address (shared behind a NAT, hence not small).
   * Default 20,000: about 30 pages of 50 vendors with each owner's vendors (about 650 each), and 4 operations
   * at the per-operation maximum.
   */
  anonymousCostPerMinute: number;
  /** login / refreshSession attempts per minute per IP address, each aliased field counted. */
  authAttemptsPerIpPerMinute: number;
  /** login attempts per minute per account named. */
  authAttemptsPerAccountPerMinute: number;
}

export const defaultRateLimits: RateLimits = {
  userCostPerMinute: 50_000,
  anonymousCostPerMinute: 20_000,
  authAttemptsPerIpPerMinute: 10,
  authAttemptsPerAccountPerMinute: 10,
};

/** One budget to charge: a key (its window is added here), an amount and the most it may reach. */
export interface Charge {
  /** Which limit, for the error and the metrics. */
  limit: string;
  key: string;
  amount: number;
  max: number;
}

export type RateDecision =
  { allowed: true } | { allowed: false; limit: string; retryAfterMs: number } | { unavailable: true };

/**
 * Adds to a fixed one-minute window and reads the total and the time left in the window, atomically. The
 * window's key expires with it, so nothing is left behind.
 */
const chargeScript = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if total == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {total, redis.call('PTTL', KEYS[1])}`;

const windowMs = 60_000;

/** The charge script as a command of the client: sent by its SHA1 (EVALSHA), the body only once per connection. */
interface ChargeCommand {
  curbsideRateCharge(key: string, amount: number, windowMs: number): Promise<[total: number, ttlMs: number]>;
}

/**
 * Rate limits kept in Redis, so every gateway replica spends from the same budgets. All charges of one request
 * are applied together; the request is refused when any budget is exceeded. When Redis cannot be reached the
 * answer is `unavailable` and the caller lets the request through (reads must keep working without Redis).
 * `clock` places a charge in its minute (default the system clock): a test moves a manual one across a window
 * rather than sleeping.
 */
export function createRateLimiter(redis: RedisClient, clock: Clock = systemClock) {
  redis.defineCommand('curbsideRateCharge', { numberOfKeys: 1, lua: chargeScript });
  const commands = redis as unknown as ChargeCommand;
  return {
    async charge(charges: Charge[]): Promise<RateDecision> {
      if (charges.length === 0) return { allowed: true };
      // Known to be down (reconnecting): fail open at once rather than wait out the command timeout.
      if (redis.status !== 'ready') return { unavailable: true };
      const window = Math.floor(clock.now() / windowMs);
      try {
        // Sent together on the one connection; a request usually makes a single charge.
        const replies = await Promise.all(
          charges.map((charge) =>
            commands.curbsideRateCharge(`ratelimit:${charge.key}:${window}`, charge.amount, windowMs),
          ),
        );
        let refused: { limit: string; retryAfterMs: number } | null = null;
        for (const [index, [total, ttl]] of replies.entries()) {
          const charge = charges[index]!;
          if (total > charge.max && !refused) refused = { limit: charge.limit, retryAfterMs: Math.max(ttl, 1) };
        }
        return refused ? { allowed: false, ...refused } : { allowed: true };
      } catch {
        return { unavailable: true };
      }
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
