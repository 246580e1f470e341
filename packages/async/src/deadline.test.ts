import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { atDeadline } from './deadline.ts';

const day = 24 * 60 * 60 * 1000;

describe('atDeadline', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => void vi.useRealTimers());

  it('calls at once, synchronously, when the deadline has passed', () => {
    let calls = 0;
    atDeadline(Date.now(), () => calls++);
    expect(calls).toBe(1);
  });

  it('calls once the clock reaches the deadline, not before', () => {
    let calls = 0;
    atDeadline(Date.now() + 1_000, () => calls++);
    vi.advanceTimersByTime(999);
    expect(calls).toBe(0);
    vi.advanceTimersByTime(1);
    expect(calls).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(calls).toBe(1);
  });

  it('waits for a deadline beyond setTimeout’s limit instead of calling at once', () => {
    let calls = 0;
    const at = Date.now() + 60 * day;
    atDeadline(at, () => calls++);
    vi.advanceTimersByTime(30 * day);
    expect(calls).toBe(0);
    vi.advanceTimersByTime(at - Date.now() - 1);
    expect(calls).toBe(0);
    vi.advanceTimersByTime(1);
    expect(calls).toBe(1);
  });

  it('is cancelled by the function it returns, idempotently', () => {
    let calls = 0;
    const cancel = atDeadline(Date.now() + 1_000, () => calls++);
    cancel();
    cancel();
    vi.advanceTimersByTime(60 * day);
    expect(calls).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not keep the process alive', () => {
    // On the real timers: a spy on the faked setTimeout, once restored, left the fake installed for good, and
    // the next test file sharing this worker waited for timers that never fired.
    vi.useRealTimers();
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const cancel = atDeadline(Date.now() + 1_000, () => undefined);
      const timer = spy.mock.results[0]?.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      cancel();
    } finally {
      spy.mockRestore();
    }
  });
});
