import { describe, expect, it } from 'vitest';
import { manualClock, systemClock } from './clock.ts';

describe('systemClock', () => {
  it('reads the real time', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});

describe('manualClock', () => {
  it('stands still at its start until moved', () => {
    const clock = manualClock(1_000);
    expect(clock.now()).toBe(1_000);
    expect(clock.now()).toBe(1_000);
  });

  it('starts at the real time by default', () => {
    const before = Date.now();
    const now = manualClock().now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('advance() moves it forward by exactly the amount', () => {
    const clock = manualClock(1_000);
    clock.advance(999);
    expect(clock.now()).toBe(1_999);
    clock.advance(0);
    expect(clock.now()).toBe(1_999);
  });

  it('set() moves it anywhere, back too', () => {
    const clock = manualClock(5_000);
    clock.set(2_000);
    expect(clock.now()).toBe(2_000);
  });

  it('refuses to go backwards through advance(), or to a time that is not finite', () => {
    const clock = manualClock(1_000);
    expect(() => clock.advance(-1)).toThrow('expects advance(ms) to be a non-negative finite number, but got -1');
    expect(() => clock.advance(Number.NaN)).toThrow('but got NaN');
    expect(() => clock.set(Infinity)).toThrow('expects set(ms) to be a finite number of milliseconds');
    expect(() => manualClock(Number.NaN)).toThrow('expects startMs to be a finite number of milliseconds');
    expect(clock.now()).toBe(1_000);
  });
});
