import type { FormattedExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { HeldEvents, takeOver } from './handover.ts';

const event = (seq: number): FormattedExecutionResult => ({ data: { seq }, extensions: { eventId: `1000-${seq}` } });
const seqsOf = (results: FormattedExecutionResult[]) => results.map((result) => (result.data as { seq: number }).seq);
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A client's stream recording what reaches it, and a subgraph history of events 1 to 20 recording the replays. */
function setUp() {
  const delivered: number[] = [];
  const replays: { after: string; before: string | null }[] = [];
  const target = {
    push: (result: FormattedExecutionResult) => void delivered.push(...seqsOf([result])),
    complete: () => undefined,
    fail: (error: unknown) => {
      throw error;
    },
  };
  const seqOf = (id: string) => Number(id.split('-')[1]);
  const replay = async (range: { after: string; before: string | null }) => {
    replays.push(range);
    const from = seqOf(range.after) + 1;
    const to = range.before === null ? 20 : seqOf(range.before) - 1;
    return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => event(from + i));
  };
  const holding = (after: string | null, seqs: number[], capacity = 10) => {
    const held = new HeldEvents({ capacity, onDrop: () => undefined, after, replay });
    for (const seq of seqs) held.push(event(seq));
    return held;
  };
  return { delivered, replays, target, replay, holding, capacity: 10, onDrop: () => undefined };
}

describe('HeldEvents and takeOver', () => {
  it('replays the gap as soon as the first held event is known, then gives it, the held and the live ones, once each', async () => {
    const { delivered, replays, target, replay, holding, capacity, onDrop } = setUp();
    const held = holding('1000-2', [5, 6]);
    // Before the old hydration's boundary: only the gap, never the range up to the newest event.
    expect(replays).toEqual([{ after: '1000-2', before: '1000-5' }]);
    const consumer = takeOver({ target, after: '1000-2', held, replay, capacity, onDrop });
    consumer.push(event(7));
    await settle();
    consumer.push(event(7)); // delivered by both hydrations: once
    consumer.push(event(8));
    expect(delivered).toEqual([3, 4, 5, 6, 7, 8]);
    expect(replays).toHaveLength(1);
  });

  it('waits for the new hydration’s first event when it holds none yet, and replays the gap then', async () => {
    const { delivered, replays, target, replay, holding, capacity, onDrop } = setUp();
    const consumer = takeOver({ target, after: '1000-2', held: holding('1000-2', []), replay, capacity, onDrop });
    await settle();
    expect(delivered).toEqual([]);
    consumer.push(event(4));
    await settle();
    expect(delivered).toEqual([3, 4]);
    expect(replays).toEqual([{ after: '1000-2', before: '1000-4' }]);
  });

  it('replays from the last event delivered when the old hydration delivered less than it had received', async () => {
    const { delivered, replays, target, replay, holding, capacity, onDrop } = setUp();
    // It had received 3 when the takeover began, but delivered only up to 2 (3 was dropped, or is being replayed).
    const held = holding('1000-3', [5]);
    takeOver({ target, after: '1000-2', held, replay, capacity, onDrop });
    await settle();
    expect(delivered).toEqual([3, 4, 5]);
    expect(replays).toEqual([
      { after: '1000-3', before: '1000-5' },
      { after: '1000-2', before: '1000-5' },
    ]);
  });

  it('replays again after the held events overflowed, from the last one given', async () => {
    const { delivered, replays, target, replay, holding, capacity, onDrop } = setUp();
    const held = holding('1000-2', [4, 5, 6], 2); // 4 dropped
    expect(held.overflowed).toBe(true);
    takeOver({ target, after: '1000-2', held, replay, capacity, onDrop });
    await settle();
    expect(delivered).toEqual([3, 4, 5, 6]);
    expect(replays).toEqual([
      { after: '1000-2', before: '1000-4' },
      { after: '1000-2', before: '1000-5' },
    ]);
  });

  it('replays nothing when the held events follow on from the last one delivered, and drops those before it', async () => {
    const { delivered, replays, target, replay, holding, capacity, onDrop } = setUp();
    takeOver({ target, after: '1000-3', held: holding('1000-3', [2, 3, 4]), replay, capacity, onDrop });
    await settle();
    expect(delivered).toEqual([4]);
    expect(replays).toEqual([]);
  });
});
