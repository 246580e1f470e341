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

/**
 * Polls the blocklist for the distinct accounts being watched: one `statusOfMany` per interval, whatever the
 * number of streams (5,200 users is one pipelined MGET every 2 s). The timer runs only while something is
 * watched, and never keeps the process alive.
 */
export function watchAccountBlocks(options: AccountWatchOptions): AccountWatch {
  const { blocklist, intervalMs = 2_000, onUnavailable = () => undefined } = options;
  const watchers = new Map<string, Set<(block: AccountBlock) => void>>();
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
      const callbacks = watchers.get(userId);
      if (!block || !callbacks) return;
      watchers.delete(userId);
      for (const onBlocked of callbacks) onBlocked(block);
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
      let callbacks = watchers.get(userId);
      if (!callbacks) watchers.set(userId, (callbacks = new Set()));
      // A wrapper of its own, so the same callback watched twice is released once per watch.
      const entry = (block: AccountBlock) => onBlocked(block);
      callbacks.add(entry);
      schedule();
      return () => {
        const current = watchers.get(userId);
        if (!current?.delete(entry) || current.size > 0) return;
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
