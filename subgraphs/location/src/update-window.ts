import { systemClock, type Clock } from '@curbside/async';
import type { RedisClient } from '@curbside/redis';

/** At most one accepted update per vendor in this window: 1 second. */
export const updateIntervalMs = 1_000;

/**
 * Claims the vendor's slot when the last claim is at least the interval old by the caller's clock, atomically.
 * The slot holds the claim's time by the caller's clock, so that clock alone decides (a test's manual clock, or
 * each replica's own). Its key outlives the interval ten times over, so that Redis's expiry never opens the slot
 * before the clock does (not even for a test's clock standing still while the test waits on something else),
 * and still expires, so nothing is left behind. A claim stamped ahead of the caller's clock (replicas a few ms
 * apart) counts as just made: waited out by the clock, or by the key's expiry at the latest.
 * KEYS[1] slot; ARGV: now ms, interval ms. Returns 0 when claimed, else the ms until the slot opens (1 to interval).
 */
const claimScript = `
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local last = tonumber(redis.call('GET', KEYS[1]) or '')
if last then
  local elapsed = math.max(now - last, 0)
  if elapsed < interval then return interval - elapsed end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', 10 * interval)
return 0`;

/** The claim script as a command of the client: sent by its SHA1 (EVALSHA), the body only once per connection. */
interface ClaimCommand {
  curbsideLocationSlot(key: string, nowMs: number, intervalMs: number): Promise<number>;
}

/** A claimed slot (`release` gives it back, for an update that was not written), or the wait until it opens. */
export type SlotClaim = { claimed: true; release(): Promise<void> } | { claimed: false; retryAfterMs: number };

export interface UpdateWindowOptions {
  /** Key-prefixed client; slots are `ratelimit:location:<vendorId>` under its prefix. */
  redis: RedisClient;
  /** Where the window reads the time. Default `systemClock`; tests pass a `manualClock` and move it. */
  clock?: Clock | undefined;
}

/**
 * One accepted location update per vendor per second, in Redis so that every replica shares the slots. Claimed
 * before the write and released if the write fails: only an accepted update uses the slot.
 */
export function makeUpdateWindow(options: UpdateWindowOptions) {
  const { redis, clock = systemClock } = options;
  redis.defineCommand('curbsideLocationSlot', { numberOfKeys: 1, lua: claimScript });
  const commands = redis as unknown as ClaimCommand;
  return {
    /** Claims the vendor's slot for the next second, or says how long until it opens. */
    async claim(vendorId: string): Promise<SlotClaim> {
      const key = `ratelimit:location:${vendorId}`;
      const retryAfterMs = Number(await commands.curbsideLocationSlot(key, clock.now(), updateIntervalMs));
      if (retryAfterMs > 0) return { claimed: false, retryAfterMs };
      return {
        claimed: true,
        release: async () => {
          await redis.del(key);
        },
      };
    },
  };
}

export type UpdateWindow = ReturnType<typeof makeUpdateWindow>;
