/**
 * Where a window or a deadline reads the time, in milliseconds since the epoch. Factories that keep a time window
 * (a rate window, a once-a-minute report) take one as an option, default `systemClock`, so a test moves time with
 * `manualClock` instead of sleeping across the window.
 */
export interface Clock {
  /** The current time, in milliseconds since the epoch. */
  now(): number;
}

/** The process's own clock (`Date.now()`). */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that stands still until it is moved: for tests. */
export interface ManualClock extends Clock {
  /** Moves the clock forward by `ms` milliseconds (a non-negative finite number). */
  advance(ms: number): void;
  /** Moves the clock to `ms` since the epoch, forward or back (a clock that jumps, as after an NTP correction). */
  set(ms: number): void;
}

/**
 * A test clock reading `startMs` until `advance` or `set` moves it. Default start: the real time when it is made,
 * so what it stamps still looks recent to code that reads the real clock.
 */
export function manualClock(startMs: number = Date.now()): ManualClock {
  let time = checkTime('startMs', startMs);
  return {
    now: () => time,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new RangeError(`expects advance(ms) to be a non-negative finite number, but got ${ms}`);
      }
      time += ms;
    },
    set(ms) {
      time = checkTime('set(ms)', ms);
    },
  };
}

function checkTime(name: string, ms: number): number {
  if (!Number.isFinite(ms))
    throw new RangeError(`expects ${name} to be a finite number of milliseconds, but got ${ms}`);
  return ms;
}
