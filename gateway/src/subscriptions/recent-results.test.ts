import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecentResults } from './recent-results.ts';

afterEach(() => void vi.useRealTimers());

describe('RecentResults', () => {
  it('computes a key once for every caller within the time to live, and again after it', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const recent = new RecentResults<number>({ ttlMs: 5_000, maxEntries: 10 });
    let computed = 0;
    const compute = async () => ++computed;
    expect(await recent.once('a', compute)).toBe(1);
    vi.setSystemTime(1_004_000);
    expect(await recent.once('a', compute)).toBe(1);
    expect(await recent.once('b', compute)).toBe(2);
    vi.setSystemTime(1_005_500);
    expect(await recent.once('a', compute)).toBe(3); // 'a' expired, 'b' not yet
    expect(await recent.once('b', compute)).toBe(2);
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const recent = new RecentResults<string>({ ttlMs: 60_000, maxEntries: 2 });
    for (const key of ['a', 'b', 'c']) await recent.once(key, async () => key);
    expect(recent.size).toBe(2);
    expect(await recent.once('a', async () => 'a again')).toBe('a again');
    expect(await recent.once('c', async () => 'c again')).toBe('c');
  });
});
