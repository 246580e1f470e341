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
  return { delivered, replays, target, replay, capacity: 10, onDrop: () => undefined };
}

describe('takeOver', () => {
  it('after an old hydration that stopped just before the first held event: held, then live, no replay', async () => {
    const { delivered, replays, target, replay, capacity, onDrop } = setUp();
    const held = [event(3), event(4)];
    const consumer = takeOver({ target, after: '1000-2', held, contiguous: true, replay, capacity, onDrop });
    consumer.push(event(5));
    await settle();
    consumer.push(event(5)); // a repeat: once
    consumer.push(event(6));
    expect(delivered).toEqual([3, 4, 5, 6]);
    expect(replays).toEqual([]);
  });

  it('otherwise replays only the gap before the first held event, never the range to the newest', async () => {
    const { delivered, replays, target, replay, capacity, onDrop } = setUp();
    const held = [event(5), event(6)];
    const consumer = takeOver({ target, after: '1000-2', held, contiguous: false, replay, capacity, onDrop });
    consumer.push(event(7));
    await settle();
    expect(delivered).toEqual([3, 4, 5, 6, 7]);
    expect(replays).toEqual([{ after: '1000-2', before: '1000-5' }]);
  });

  it('waits for the first live event when nothing is held yet, and replays the gap before it', async () => {
    const { delivered, replays, target, replay, capacity, onDrop } = setUp();
    const consumer = takeOver({ target, after: '1000-2', held: [], contiguous: false, replay, capacity, onDrop });
    await settle();
    expect(delivered).toEqual([]);
    consumer.push(event(4));
    await settle();
    expect(delivered).toEqual([3, 4]);
    expect(replays).toEqual([{ after: '1000-2', before: '1000-4' }]);
  });

  it('drops held events the client already had', async () => {
    const { delivered, replays, target, replay, capacity, onDrop } = setUp();
    const held = [event(2), event(3), event(4)];
    takeOver({ target, after: '1000-3', held, contiguous: true, replay, capacity, onDrop });
    await settle();
    expect(delivered).toEqual([4]);
    expect(replays).toEqual([]);
  });
});

describe('HeldEvents', () => {
  it('holds up to its capacity, dropping the oldest (counted), and tells the first id held', () => {
    let dropped = 0;
    const held = new HeldEvents(2, () => dropped++);
    expect(held.firstId).toBeNull();
    for (const seq of [1, 2, 3]) held.push(event(seq));
    expect(seqsOf(held.held)).toEqual([2, 3]);
    expect(held.firstId).toBe('1000-2');
    expect(dropped).toBe(1);
  });
});
