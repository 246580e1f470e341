import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './bounded-queue.ts';

function queue(capacity = 3) {
  const calls = { dropped: 0, closed: 0, released: 0 };
  const created = new BoundedQueue<number>({
    capacity,
    onDrop: () => calls.dropped++,
    onClose: () => calls.closed++,
    onRelease: () => calls.released++,
  });
  return { queue: created, calls };
}

const done = { value: undefined, done: true };

describe('BoundedQueue', () => {
  it('delivers values in the order they were pushed', async () => {
    const { queue: values } = queue();
    values.push(1);
    values.push(2);
    expect(await values.next()).toEqual({ value: 1, done: false });
    values.push(3);
    expect(await values.next()).toEqual({ value: 2, done: false });
    expect(await values.next()).toEqual({ value: 3, done: false });
  });

  it('delivers falsy values like any other', async () => {
    const values = new BoundedQueue<number | undefined>({ capacity: 2 });
    values.push(undefined);
    values.push(0);
    expect(await values.next()).toEqual({ value: undefined, done: false });
    expect(await values.next()).toEqual({ value: 0, done: false });
  });

  it('drops the oldest past its capacity, counting each drop', async () => {
    const { queue: values, calls } = queue(3);
    for (let value = 1; value <= 5; value++) values.push(value);
    expect(calls.dropped).toBe(2);
    expect(values.dropped).toBe(2);
    expect(await values.next()).toEqual({ value: 3, done: false });
    expect(await values.next()).toEqual({ value: 4, done: false });
    expect(await values.next()).toEqual({ value: 5, done: false });
  });

  it('with capacity 0 keeps a value only for a reader already waiting', async () => {
    const { queue: values, calls } = queue(0);
    values.push(1);
    expect(calls.dropped).toBe(1);
    const pending = values.next();
    values.push(2);
    expect(await pending).toEqual({ value: 2, done: false });
    expect(calls.dropped).toBe(1);
  });

  it('refuses a capacity that is not a non-negative integer', () => {
    for (const capacity of [-1, 1.5, Number.NaN]) {
      expect(() => new BoundedQueue({ capacity })).toThrow(`expects capacity to be a non-negative integer`);
    }
    expect(() => new BoundedQueue({ capacity: Infinity })).not.toThrow();
  });

  it('hands a value straight to a waiting reader, without queueing or dropping it', async () => {
    const { queue: values, calls } = queue(1);
    const pending = values.next();
    values.push(7);
    values.push(8);
    expect(await pending).toEqual({ value: 7, done: false });
    expect(await values.next()).toEqual({ value: 8, done: false });
    expect(calls.dropped).toBe(0);
  });

  it('refuses a second next() while one is pending', async () => {
    const { queue: values } = queue();
    const first = values.next();
    await expect(values.next()).rejects.toThrow('next() called again before the previous call settled');
    values.push(1);
    expect(await first).toEqual({ value: 1, done: false });
  });

  it('return() ends a pending next() at once, releasing once', async () => {
    const { queue: values, calls } = queue();
    const pending = values.next();
    expect(await values.return()).toEqual(done);
    expect(await pending).toEqual(done);
    expect(calls).toMatchObject({ closed: 1, released: 1 });
    expect(values.released).toBe(true);
    await values.return();
    expect(calls).toMatchObject({ closed: 1, released: 1 });
    values.push(1);
    expect(await values.next()).toEqual(done);
  });

  it('return() discards what is queued', async () => {
    const { queue: values } = queue();
    values.push(1);
    values.push(2);
    await values.return();
    expect(await values.next()).toEqual(done);
  });

  it('complete() ends after the queued values; the reader is released when it reads the end', async () => {
    const { queue: values, calls } = queue();
    values.push(1);
    values.complete();
    values.push(2);
    expect(values.closed).toBe(true);
    expect(calls).toMatchObject({ closed: 1, released: 0 });
    expect(await values.next()).toEqual({ value: 1, done: false });
    expect(calls.released).toBe(0);
    expect(await values.next()).toEqual(done);
    expect(calls).toMatchObject({ closed: 1, released: 1 });
    expect(await values.next()).toEqual(done);
  });

  it('complete() resolves a pending next() done', async () => {
    const { queue: values, calls } = queue();
    const pending = values.next();
    values.complete();
    expect(await pending).toEqual(done);
    expect(calls.released).toBe(1);
  });

  it('fail() rejects once the queued values are read, then is done', async () => {
    const { queue: values, calls } = queue();
    values.push(1);
    values.fail(new Error('gone'));
    expect(calls.closed).toBe(1);
    expect(await values.next()).toEqual({ value: 1, done: false });
    expect(calls.released).toBe(0);
    await expect(values.next()).rejects.toThrow('gone');
    expect(calls.released).toBe(1);
    expect(await values.next()).toEqual(done);
  });

  it('fail() rejects a pending next()', async () => {
    const { queue: values, calls } = queue();
    const pending = values.next();
    values.fail(new Error('gone'));
    await expect(pending).rejects.toThrow('gone');
    expect(calls).toMatchObject({ closed: 1, released: 1 });
  });

  it('keeps the first ending: later complete() and fail() are ignored', async () => {
    const { queue: values, calls } = queue();
    values.fail(new Error('first'));
    values.complete();
    values.fail(new Error('second'));
    await expect(values.next()).rejects.toThrow('first');
    expect(calls).toMatchObject({ closed: 1, released: 1 });
  });

  it('return() after fail() discards the failure too', async () => {
    const { queue: values, calls } = queue();
    values.fail(new Error('gone'));
    await values.return();
    expect(await values.next()).toEqual(done);
    expect(calls).toMatchObject({ closed: 1, released: 1 });
  });

  it('throw() releases, resolves a pending next() done, and rejects with its error', async () => {
    const { queue: values, calls } = queue();
    const pending = values.next();
    const error = new Error('stop');
    await expect(values.throw(error)).rejects.toBe(error);
    expect(await pending).toEqual(done);
    expect(calls).toMatchObject({ closed: 1, released: 1 });
  });

  it('ends a for await loop at once when the loop breaks while the producer is idle', async () => {
    const { queue: values, calls } = queue();
    values.push(1);
    const seen: number[] = [];
    for await (const value of values) {
      seen.push(value);
      break;
    }
    expect(seen).toEqual([1]);
    expect(calls.released).toBe(1);
  });

  it('reads to the end in a for await loop', async () => {
    const { queue: values } = queue();
    values.push(1);
    values.push(2);
    values.complete();
    const seen: number[] = [];
    for await (const value of values) seen.push(value);
    expect(seen).toEqual([1, 2]);
  });
});
