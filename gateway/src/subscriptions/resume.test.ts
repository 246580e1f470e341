import type { FormattedExecutionResult } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import { compareEventIds, lastEventIdOf, ResumingConsumer, SharedReplays, type EventConsumer } from './resume.ts';

/** An event as the gateway delivers it: its sequence number as data, its id in extensions. */
const event = (seq: number): FormattedExecutionResult => ({ data: { seq }, extensions: { eventId: `1000-${seq}` } });
const seqOf = (result: FormattedExecutionResult) => (result.data as { seq: number }).seq;

/** What reached the client, and how its stream ended. */
function recordingTarget() {
  const received: number[] = [];
  const ending: { completed: boolean; error: unknown } = { completed: false, error: undefined };
  const target: EventConsumer = {
    push: (result) => void received.push(seqOf(result)),
    complete: () => void (ending.completed = true),
    fail: (error) => void (ending.error = error),
  };
  return { target, received, ending };
}

/** A replay source answering each range from `history` (events 1..n), recording the ranges asked for. */
function historyOf(length: number, options: { failWith?: unknown } = {}) {
  const ranges: { after: string; before: string | null }[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const replay = async (range: { after: string; before: string | null }) => {
    ranges.push(range);
    await gate;
    if (options.failWith) throw options.failWith;
    return Array.from({ length }, (_, index) => event(index + 1)).filter(
      (result) =>
        compareEventIds(String(result.extensions!['eventId']), range.after) > 0 &&
        (range.before === null || compareEventIds(String(result.extensions!['eventId']), range.before) < 0),
    );
  };
  return { replay, ranges, release };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function resuming(history: ReturnType<typeof historyOf>, after: number, liveSeenEvents: boolean) {
  const { target, received, ending } = recordingTarget();
  const dropped = { count: 0 };
  const consumer = new ResumingConsumer({
    target,
    after: `1000-${after}`,
    replay: history.replay,
    liveSeenEvents,
    capacity: 3,
    onDrop: () => dropped.count++,
  });
  return { consumer, received, ending, dropped };
}

describe('ResumingConsumer', () => {
  it('replays what was missed, then the held live events, none twice, and then goes live', async () => {
    const history = historyOf(3);
    const { consumer, received } = resuming(history, 1, true);
    consumer.push(event(3)); // live, while the replay is in flight: also in the replay
    consumer.push(event(4));
    expect(received).toEqual([]);
    history.release();
    await settle();
    expect(received).toEqual([2, 3, 4]);
    expect(consumer.live).toBe(true);
    consumer.push(event(5));
    expect(received).toEqual([2, 3, 4, 5]);
    expect(history.ranges).toEqual([{ after: '1000-1', before: null }]);
  });

  it('drops a live event the replay already gave, when its hydration ends after the client went live', async () => {
    // The replay read events 2 and 3; the live hydration of 3 was slower (a busy subgraph) and pushes it only
    // once the client is live. Seen under load in bench:subscriptions as an event twice on a resumed socket.
    const history = historyOf(3);
    const { consumer, received } = resuming(history, 1, true);
    history.release();
    await settle();
    expect(consumer.live).toBe(true);
    consumer.push(event(3));
    consumer.push(event(4));
    expect(received).toEqual([2, 3, 4]);
  });

  it('on an upstream not yet proven live, replays the gap before its first live event, then goes live', async () => {
    const ranges: { after: string; before: string | null }[] = [];
    const { target, received } = recordingTarget();
    const kept = [2, 3, 7];
    const consumer = new ResumingConsumer({
      target,
      after: '1000-1',
      replay: async (range) => {
        ranges.push(range);
        // The first replay saw only 2 and 3; 7 was written after it, before the upstream subscribed.
        const visible = ranges.length === 1 ? [2, 3] : kept;
        return visible
          .map(event)
          .filter(
            (result) =>
              compareEventIds(String(result.extensions!['eventId']), range.after) > 0 &&
              (range.before === null || compareEventIds(String(result.extensions!['eventId']), range.before) < 0),
          );
      },
      liveSeenEvents: false,
      capacity: 10,
      onDrop: () => undefined,
    });
    await settle();
    expect(received).toEqual([2, 3]);
    consumer.push(event(8));
    consumer.push(event(9));
    await settle();
    expect(ranges).toEqual([
      { after: '1000-1', before: null },
      { after: '1000-3', before: '1000-8' },
    ]);
    expect(received).toEqual([2, 3, 7, 8, 9]);
    expect(consumer.live).toBe(true);
  });

  it('ends the client stream with the replay error, and passes nothing after it', async () => {
    const refusal = new Error('cannot resume');
    const history = historyOf(3, { failWith: refusal });
    const { consumer, received, ending } = resuming(history, 1, true);
    consumer.push(event(4));
    history.release();
    await settle();
    expect(ending.error).toBe(refusal);
    consumer.push(event(5));
    expect(received).toEqual([]);
  });

  it('completes only after the missed and held events went out', async () => {
    const history = historyOf(2);
    const { consumer, received, ending } = resuming(history, 0, true);
    consumer.push(event(3));
    consumer.complete();
    expect(ending.completed).toBe(false);
    history.release();
    await settle();
    expect(received).toEqual([1, 2, 3]);
    expect(ending.completed).toBe(true);
  });

  it('holds at most its capacity of live events while catching up, dropping the oldest and counting them', async () => {
    const history = historyOf(0);
    const { consumer, received, dropped } = resuming(history, 0, true);
    for (let seq = 1; seq <= 5; seq++) consumer.push(event(seq));
    history.release();
    await settle();
    expect(received).toEqual([3, 4, 5]);
    expect(dropped.count).toBe(2);
  });
});

describe('event ids', () => {
  it('orders ids by milliseconds, then sequence, as numbers', () => {
    expect(compareEventIds('999-5', '1000-0')).toBeLessThan(0);
    expect(compareEventIds('1000-10', '1000-9')).toBeGreaterThan(0);
    expect(compareEventIds('1000-1', '1000-1')).toBe(0);
  });

  it('reads lastEventId from a subscribe request, refusing anything but an event id', () => {
    expect(lastEventIdOf(undefined)).toBeNull();
    expect(lastEventIdOf({ persistedQuery: {} })).toBeNull();
    expect(lastEventIdOf({ lastEventId: '1732000000000-3' })).toBe('1732000000000-3');
    expect(lastEventIdOf({ lastEventId: '$' })).toBe('invalid');
    expect(lastEventIdOf({ lastEventId: 17 })).toBe('invalid');
    expect(lastEventIdOf({ lastEventId: '1-2-3' })).toBe('invalid');
  });
});

describe('SharedReplays', () => {
  /** After the replays asked for so far were sent (they wait 10 ms for more clients here). */
  const sent = () => new Promise((resolve) => setTimeout(resolve, 20));

  function counting() {
    const fetched: { after: string; before: string | null }[] = [];
    const gates: (() => void)[] = [];
    const replays = new SharedReplays<string>(async (range) => {
      fetched.push(range);
      await new Promise<void>((resolve) => gates.push(resolve));
      return [`after ${range.after}`];
    }, 10);
    return { replays, fetched, openGates: () => gates.splice(0).forEach((open) => open()) };
  }

  it('shares a replay to the newest event only between clients that asked before it was sent', async () => {
    const { replays, fetched, openGates } = counting();
    const first = replays.get({ after: '1000-1', before: null });
    await new Promise((resolve) => setTimeout(resolve, 2)); // within the gathering window
    const second = replays.get({ after: '1000-1', before: null });
    expect(second).toBe(first);
    expect(fetched).toHaveLength(0);
    await sent(); // its read may already have happened
    const late = replays.get({ after: '1000-1', before: null });
    expect(late).not.toBe(first);
    await sent();
    expect(fetched).toHaveLength(2);
    openGates();
    expect(await first).toEqual(['after 1000-1']);
    expect(await late).toEqual(['after 1000-1']);
  });

  it('waits for clients while they keep coming, up to its cap from the first', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      const fetched: number[] = [];
      const replays = new SharedReplays<string>(
        async () => {
          fetched.push(Date.now());
          return [];
        },
        10,
        60,
      );
      const asked = [replays.get({ after: '1000-1', before: null })];
      // A client every 4 ms for 90 ms, each within 10 ms of the last: one replay until the cap of 60 ms, then one
      // more for the clients after it, sent 10 ms after the last of them.
      for (let elapsed = 4; elapsed <= 90; elapsed += 4) {
        await vi.advanceTimersByTimeAsync(4);
        asked.push(replays.get({ after: '1000-1', before: null }));
      }
      await vi.advanceTimersByTimeAsync(20);
      await Promise.all(asked);
      expect(new Set(asked).size).toBe(2);
      expect(fetched.map((at) => at - 1_000_000)).toEqual([60, 98]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('shares a replay of a fixed range while it runs, and fetches it again after', async () => {
    const { replays, fetched, openGates } = counting();
    const range = { after: '1000-1', before: '1000-5' };
    const first = replays.get(range);
    await sent();
    expect(replays.get({ ...range })).toBe(first);
    expect(fetched).toHaveLength(1);
    openGates();
    await first;
    const again = replays.get(range);
    expect(again).not.toBe(first);
    openGates();
    await again;
    expect(fetched).toHaveLength(2);
  });
});
