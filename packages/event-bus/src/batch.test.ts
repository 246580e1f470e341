import { describe, expect, it } from 'vitest';
import { makeEventBatcher } from './batch.ts';

/** A handler that records its calls and, for the events `fails` names, throws. */
function recorder(fails: (event: number) => boolean = () => false) {
  const batches: number[][] = [];
  const alone: number[] = [];
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  return {
    batches,
    alone,
    /** Holds every batch until `open()`. */
    hold() {
      gate = new Promise((resolve) => (release = resolve));
    },
    open: () => release?.(),
    handleBatch: async (events: number[]) => {
      batches.push(events);
      await gate;
      if (events.some(fails)) throw new Error(`a batch with ${events.find(fails)}`);
    },
    handle: async (event: number) => {
      alone.push(event);
      await gate;
      if (fails(event)) throw new Error(`event ${event} failed`);
    },
  };
}

describe('makeEventBatcher', () => {
  it('handles a lone event at once, alone, and the events that arrive during a batch as the next batch', async () => {
    const calls = recorder();
    const batcher = makeEventBatcher({ maxSize: 3, parallel: 1, ...calls });
    await batcher.add(1);
    expect(calls.alone).toEqual([1]);

    calls.hold();
    const first = [batcher.add(2), batcher.add(3)];
    await new Promise((resolve) => setImmediate(resolve));
    // While [2, 3] runs, five more arrive: they form batches of at most 3, in arrival order.
    const later = [4, 5, 6, 7, 8].map((event) => batcher.add(event));
    calls.open();
    await Promise.all([...first, ...later]);
    expect(calls.batches).toEqual([
      [2, 3],
      [4, 5, 6],
      [7, 8],
    ]);
  });

  it('runs a second batch at once only for a full batch, so a backlog is written two batches at a time', async () => {
    const calls = recorder();
    const batcher = makeEventBatcher({ maxSize: 3, ...calls });
    calls.hold();
    const first = batcher.add(1);
    await new Promise((resolve) => setImmediate(resolve));
    const short = [batcher.add(2), batcher.add(3)];
    await new Promise((resolve) => setImmediate(resolve));
    // Two events waiting are not a full batch: they wait for the running one.
    expect(calls.batches).toEqual([]);
    expect(calls.alone).toEqual([1]);
    const full = [batcher.add(4)];
    await new Promise((resolve) => setImmediate(resolve));
    // Three are: a second batch runs beside the first.
    expect(calls.batches).toEqual([[2, 3, 4]]);
    calls.open();
    await Promise.all([first, ...short, ...full]);
  });

  it('handles a failed batch again one event at a time, so that only the failing event fails', async () => {
    const calls = recorder((event) => event === 12);
    const batcher = makeEventBatcher({ maxSize: 10, ...calls });
    const results = await Promise.allSettled([11, 12, 13].map((event) => batcher.add(event)));
    expect(calls.batches).toEqual([[11, 12, 13]]);
    expect(calls.alone).toEqual([11, 12, 13]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
