import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineSet } from './deadline-set.ts';

afterEach(() => {
  vi.useRealTimers();
});

function item(name: string, log: string[]) {
  return { expire: () => void log.push(name) };
}

describe('DeadlineSet', () => {
  it('expires each item when its deadline comes, in order, never before', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const log: string[] = [];
    const deadlines = new DeadlineSet();
    deadlines.add(1_003_000, item('c', log));
    deadlines.add(1_001_000, item('a', log));
    deadlines.add(1_001_000, item('a2', log));
    deadlines.add(1_002_000, item('b', log));
    vi.advanceTimersByTime(999);
    expect(log).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(['a', 'a2']);
    vi.advanceTimersByTime(1_000);
    expect(log).toEqual(['a', 'a2', 'b']);
    vi.advanceTimersByTime(1_000);
    expect(log).toEqual(['a', 'a2', 'b', 'c']);
    expect(deadlines.size).toBe(0);
  });

  it('expires at once an item whose deadline has passed, and never one that was deleted', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const log: string[] = [];
    const deadlines = new DeadlineSet();
    deadlines.add(999_999, item('late', log));
    expect(log).toEqual(['late']);
    const gone = item('gone', log);
    deadlines.add(1_001_000, gone);
    deadlines.add(1_002_000, item('kept', log));
    deadlines.delete(1_001_000, gone);
    deadlines.delete(1_001_000, gone); // again: nothing
    vi.advanceTimersByTime(5_000);
    expect(log).toEqual(['late', 'kept']);
  });

  it('arms for an earlier deadline added after a later one, and for deadlines past the largest timer delay', () => {
    vi.useFakeTimers({ now: 0 });
    const log: string[] = [];
    const deadlines = new DeadlineSet();
    const farAway = 40 * 24 * 60 * 60 * 1000; // 40 days: past setTimeout's limit of about 24.8
    deadlines.add(farAway, item('far', log));
    deadlines.add(10_000, item('soon', log));
    vi.advanceTimersByTime(10_000);
    expect(log).toEqual(['soon']);
    vi.advanceTimersByTime(farAway - 10_001);
    expect(log).toEqual(['soon']);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(['soon', 'far']);
  });
});
