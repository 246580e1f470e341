import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchAccountBlocks } from './account-watch.ts';
import type { AccountBlock, AccountBlocklist } from './blocklist.ts';

/** A blocklist in memory that records each batched read (the Redis one is tested in blocklist.integration). */
function memoryBlocklist() {
  const blocked = new Map<string, AccountBlock>();
  const reads: string[][] = [];
  let down: Error | null = null;
  const blocklist: AccountBlocklist = {
    statusOf: async (userId) => blocked.get(userId) ?? null,
    statusOfMany: async (userIds) => {
      if (down) throw down;
      reads.push([...userIds]);
      return userIds.map((userId) => blocked.get(userId) ?? null);
    },
    block: async (userId, reason) => void blocked.set(userId, reason),
    unblock: async (userId) => void blocked.delete(userId),
    replaceAll: async (entries) => {
      blocked.clear();
      for (const [userId, reason] of entries) blocked.set(userId, reason);
    },
  };
  return { blocklist, reads, setDown: (error: Error | null) => (down = error) };
}

describe('watchAccountBlocks', () => {
  afterEach(() => void vi.useRealTimers());

  it('reads the distinct watched accounts in one batch and ends each watch of a blocked one once', async () => {
    const { blocklist, reads } = memoryBlocklist();
    const watch = watchAccountBlocks({ blocklist });
    const ended: string[] = [];
    watch.watch('ana', (block) => ended.push(`ana#1 ${block}`));
    watch.watch('ana', (block) => ended.push(`ana#2 ${block}`));
    watch.watch('bo', (block) => ended.push(`bo ${block}`));
    watch.watch('cy', (block) => ended.push(`cy ${block}`));

    await watch.check();
    expect(reads).toEqual([['ana', 'bo', 'cy']]);
    expect(ended).toEqual([]);

    await blocklist.block('ana', 'suspended');
    await blocklist.block('cy', 'deleted');
    await watch.check();
    expect(ended).toEqual(['ana#1 suspended', 'ana#2 suspended', 'cy deleted']);
    expect(watch.size()).toBe(1);

    await watch.check();
    expect(reads.at(-1)).toEqual(['bo']);
    expect(ended).toHaveLength(3);
    watch.stop();
  });

  it('forgets an account once its last watch is released, and reads nothing with nothing watched', async () => {
    const { blocklist, reads } = memoryBlocklist();
    const watch = watchAccountBlocks({ blocklist });
    const onBlocked = vi.fn();
    const first = watch.watch('ana', onBlocked);
    const second = watch.watch('ana', onBlocked);
    first();
    first();
    expect(watch.size()).toBe(1);
    second();
    expect(watch.size()).toBe(0);

    await blocklist.block('ana', 'suspended');
    await watch.check();
    expect(reads).toEqual([]);
    expect(onBlocked).not.toHaveBeenCalled();
    watch.stop();
  });

  it('ends the watches of an account still held after others of it were released, each once', async () => {
    const { blocklist } = memoryBlocklist();
    const watch = watchAccountBlocks({ blocklist });
    const ended: string[] = [];
    const releases = [1, 2, 3].map((n) => watch.watch('ana', () => ended.push(`ana#${n}`)));
    releases[1]!();
    releases[1]!();
    await blocklist.block('ana', 'suspended');
    await watch.check();
    expect(ended).toEqual(['ana#1', 'ana#3']);
    releases[0]!(); // after the end: nothing
    expect(watch.size()).toBe(0);
    watch.stop();
  });

  it('looks up every interval while something is watched', async () => {
    vi.useFakeTimers();
    const { blocklist, reads } = memoryBlocklist();
    const watch = watchAccountBlocks({ blocklist, intervalMs: 2_000 });
    const onBlocked = vi.fn();
    watch.watch('ana', onBlocked);
    await blocklist.block('ana', 'deleted');
    await vi.advanceTimersByTimeAsync(1_999);
    expect(onBlocked).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onBlocked).toHaveBeenCalledExactlyOnceWith('deleted');
    // Nothing left to watch: the timer is gone.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reads).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
    watch.stop();
  });

  it('ends nothing while the blocklist is unreadable, and reports it once per outage', async () => {
    const { blocklist, setDown } = memoryBlocklist();
    const onUnavailable = vi.fn();
    const watch = watchAccountBlocks({ blocklist, onUnavailable });
    const onBlocked = vi.fn();
    watch.watch('ana', onBlocked);
    await blocklist.block('ana', 'suspended');

    setDown(new Error('Redis is reconnecting'));
    await watch.check();
    await watch.check();
    expect(onUnavailable).toHaveBeenCalledTimes(1);
    expect(onBlocked).not.toHaveBeenCalled();

    setDown(null);
    await watch.check();
    expect(onBlocked).toHaveBeenCalledExactlyOnceWith('suspended');

    watch.watch('bo', onBlocked);
    setDown(new Error('Redis is reconnecting'));
    await watch.check();
    expect(onUnavailable).toHaveBeenCalledTimes(2);
    watch.stop();
  });

  it('once stopped, watches nothing and keeps no timer', async () => {
    vi.useFakeTimers();
    const { blocklist, reads } = memoryBlocklist();
    const watch = watchAccountBlocks({ blocklist });
    const onBlocked = vi.fn();
    watch.watch('ana', onBlocked);
    watch.stop();
    watch.stop();
    expect(vi.getTimerCount()).toBe(0);
    watch.watch('bo', onBlocked)();
    await blocklist.block('ana', 'suspended');
    await blocklist.block('bo', 'suspended');
    await watch.check();
    expect(reads).toEqual([]);
    expect(onBlocked).not.toHaveBeenCalled();
  });
});
