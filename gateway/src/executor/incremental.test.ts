import { describe, expect, it } from 'vitest';
import { incrementalResults, PayloadQueue, type SubsequentPayload } from './incremental.ts';

const part = (hasNext: boolean, name: string): SubsequentPayload => ({
  hasNext,
  incremental: [{ data: { name }, path: ['shops', 0] }],
});

/** Settles within a turn of the event loop, or reports that it did not. */
const settled = <T>(promise: Promise<T>) =>
  Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), 20))]);

describe('PayloadQueue', () => {
  it('hands out payloads pushed before and while its reader waits, and ends after the one without hasNext', async () => {
    const queue = new PayloadQueue();
    const reader = queue[Symbol.asyncIterator]();
    queue.push(part(true, 'first'));
    expect(await reader.next()).toEqual({ done: false, value: part(true, 'first') });
    const waiting = reader.next();
    queue.push(part(false, 'last'));
    expect(await waiting).toEqual({ done: false, value: part(false, 'last') });
    queue.push(part(false, 'after the end'));
    expect(await reader.next()).toEqual({ done: true, value: undefined });
    expect(queue.abandoned).toBe(false);
  });

  it('ends at once when its reader returns, even while a next() waits; later pushes are dropped', async () => {
    const queue = new PayloadQueue();
    const reader = queue[Symbol.asyncIterator]();
    queue.push(part(true, 'read'));
    await reader.next();
    const waiting = reader.next();
    expect(await settled(reader.return!())).toEqual({ done: true, value: undefined });
    expect(await settled(waiting)).toEqual({ done: true, value: undefined });
    expect(queue.abandoned).toBe(true);
    queue.push(part(false, 'too late'));
    expect(await reader.next()).toEqual({ done: true, value: undefined });
  });
});

describe('incrementalResults', () => {
  it('gives the initial payload, then each subsequent one until hasNext is false', async () => {
    const queue = new PayloadQueue();
    const results = incrementalResults({ data: { shops: [] }, hasNext: true }, queue);
    queue.push(part(true, 'one'));
    queue.push(part(false, 'two'));
    const seen: unknown[] = [];
    for await (const result of results) seen.push(result);
    expect(seen).toEqual([{ data: { shops: [] }, hasNext: true }, part(true, 'one'), part(false, 'two')]);
  });

  it('returns at once while a payload is awaited, and abandons the queue behind it', async () => {
    const queue = new PayloadQueue();
    const results = incrementalResults({ data: {}, hasNext: true }, queue);
    await results.next();
    const waiting = results.next();
    expect(await settled(results.return())).toEqual({ done: true, value: undefined });
    expect(await settled(waiting)).toEqual({ done: true, value: undefined });
    expect(queue.abandoned).toBe(true);
  });
});
