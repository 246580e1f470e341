import { describe, expect, it } from 'vitest';
import { DeadlineSet } from '@curbside/async';
import { ClientStream } from './client-stream.ts';

const deadlines = new DeadlineSet();

function stream(options: { capacity?: number; expiresAtMs?: number | null } = {}) {
  const counters = { dropped: 0, released: 0 };
  const created = new ClientStream<number>({
    capacity: options.capacity ?? 3,
    onDrop: () => counters.dropped++,
    onRelease: () => counters.released++,
    expiry: options.expiresAtMs == null ? null : { atMs: options.expiresAtMs, deadlines },
    expiryError: () => new Error('expired'),
  });
  return { stream: created, counters };
}

describe('ClientStream', () => {
  it('drops the oldest events past its capacity and counts them', async () => {
    const { stream: events, counters } = stream({ capacity: 3 });
    for (let value = 1; value <= 5; value++) events.push(value);
    expect(counters.dropped).toBe(2);
    expect(await events.next()).toEqual({ value: 3, done: false });
    expect(await events.next()).toEqual({ value: 4, done: false });
    expect(await events.next()).toEqual({ value: 5, done: false });
  });

  it('hands an event straight to a waiting reader', async () => {
    const { stream: events } = stream();
    const pending = events.next();
    events.push(7);
    expect(await pending).toEqual({ value: 7, done: false });
  });

  it('return() ends a pending next() at once and releases once', async () => {
    const { stream: events, counters } = stream();
    const pending = events.next();
    await events.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    await events.return();
    expect(counters.released).toBe(1);
    events.push(1);
    expect(await events.next()).toEqual({ value: undefined, done: true });
  });

  it('delivers what is queued before failing or completing', async () => {
    const failing = stream();
    failing.stream.push(1);
    failing.stream.fail(new Error('gone'));
    expect(await failing.stream.next()).toEqual({ value: 1, done: false });
    await expect(failing.stream.next()).rejects.toThrow('gone');
    expect(failing.counters.released).toBe(1);

    const completing = stream();
    completing.stream.push(2);
    completing.stream.complete();
    expect(await completing.stream.next()).toEqual({ value: 2, done: false });
    expect(await completing.stream.next()).toEqual({ value: undefined, done: true });
  });

  it('fails with the expiry error when the deadline passes, even while a reader waits', async () => {
    const { stream: events, counters } = stream({ expiresAtMs: Date.now() + 50 });
    await expect(events.next()).rejects.toThrow('expired');
    expect(counters.released).toBe(1);
    const alreadyExpired = stream({ expiresAtMs: Date.now() - 1 });
    await expect(alreadyExpired.stream.next()).rejects.toThrow('expired');
  });

  it('leaves the deadlines when it ends before its expiry, so nothing is held for it', async () => {
    const { stream: events } = stream({ expiresAtMs: Date.now() + 60_000 });
    const before = deadlines.size;
    await events.return();
    expect(deadlines.size).toBe(before - 1);
  });
});
