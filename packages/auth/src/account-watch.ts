import type { AccountBlock, AccountBlocklist } from './blocklist.ts';

export interface AccountWatchOptions {
  blocklist: AccountBlocklist;
  /** How often the watched accounts are looked up, in milliseconds. Default 2_000 (2 seconds). */
  intervalMs?: number;
  /**
   * Told once when the blocklist cannot be read (and again only after a read succeeded in between): meanwhile
   * nothing is ended, as requests are then let through on their token alone. Default: nothing.
   */
  onUnavailable?: (error: unknown) => void;
}

/** Ends long-lived work (open subscriptions) of accounts that get suspended or closed while it runs. */
export interface AccountWatch {
  /**
   * Calls `onBlocked` once, within about one interval, when `userId` is (or becomes) blocked; returns what
   * stops watching (idempotent). After `onBlocked` the watch is over.
   */
  watch(userId: string, onBlocked: (block: AccountBlock) => void): () => void;
  /** Looks up every watched account now, as each interval does (one batched read); for tests and callers. */
  check(): Promise<void>;
  /** Stops the timer and forgets every watch; idempotent. Later `watch` calls are ignored. */
  stop(): void;
  /** Distinct accounts watched. */
  size(): number;
}

/** One call of `watch`. */
interface Watch {
  readonly onBlocked: (block: AccountBlock) => void;
}

/**
 * Polls the blocklist for the distinct accounts being watched: one `statusOfMany` per interval, whatever the
 * number of streams (5,200 users is one pipelined MGET every 2 s). The timer runs only while something is
 * watched, and never keeps the process alive.
 */
export function watchAccountBlocks(options: AccountWatchOptions): AccountWatch {
  const { blocklist, intervalMs = 2_000, onUnavailable = () => undefined } = options;
  // Most accounts hold one stream: one watch is kept as it is, several in an array (a Set per account cost
  // about 200 bytes for each of thousands of signed-in subscribers). Each watch is an object of its own, so the
  // same callback watched twice is released once per watch.
  const watchers = new Map<string, Watch | Watch[]>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let unavailable = false;
  let stopped = false;

  const schedule = () => {
    if (timer || stopped || watchers.size === 0) return;
    timer = setInterval(() => void check(), intervalMs);
    timer.unref();
  };
  const unscheduleIfIdle = () => {
    if (watchers.size > 0) return;
    clearInterval(timer);
    timer = undefined;
  };

  async function lookUp(): Promise<void> {
    const userIds = [...watchers.keys()];
    if (userIds.length === 0) return;
    let statuses: (AccountBlock | null)[];
    try {
      statuses = await blocklist.statusOfMany(userIds);
    } catch (error) {
      if (!unavailable) onUnavailable(error);
      unavailable = true;
      return;
    }
    unavailable = false;
    userIds.forEach((userId, index) => {
      const block = statuses[index];
      const watches = watchers.get(userId);
      if (!block || !watches) return;
      watchers.delete(userId);
      for (const watch of Array.isArray(watches) ? watches : [watches]) watch.onBlocked(block);
    });
    unscheduleIfIdle();
  }

  // One look-up at a time: a slow Redis makes ticks skip rather than pile up.
  function check(): Promise<void> {
    running ??= lookUp().finally(() => (running = null));
    return running;
  }

  return {
    watch(userId, onBlocked) {
      if (stopped) return () => undefined;
      const watch: Watch = { onBlocked };
      const current = watchers.get(userId);
      if (!current) watchers.set(userId, watch);
      else if (Array.isArray(current)) current.push(watch);
      else watchers.set(userId, [current, watch]);
      schedule();
      return () => {
        const now = watchers.get(userId);
        if (Array.isArray(now)) {
          const index = now.indexOf(watch);
          if (index < 0) return;
          now.splice(index, 1);
          if (now.length === 1) watchers.set(userId, now[0]!);
          return;
        }
        if (now !== watch) return;
        watchers.delete(userId);
        unscheduleIfIdle();
      };
    },
    check,
    stop() {
      stopped = true;
      watchers.clear();
      clearInterval(timer);
      timer = undefined;
    },
    size: () => watchers.size,
  };
}
