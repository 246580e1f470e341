import type { ExecutionResult, FormattedExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { defaultSubscriptionLimits } from './contract.ts';
import { SharedHydration } from './hydration.ts';

const event = (seq: number): ExecutionResult => ({ data: { seq }, extensions: { eventId: `1000-${seq}` } });
const seqsOf = (results: FormattedExecutionResult[]) => results.map((result) => (result.data as { seq: number }).seq);
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A hydration whose hydrate is the identity, recording the replays it asks its upstream for. */
function hydration(options: { recentEvents: number; maxPendingHydrations?: number }) {
  const fetched: { after: string; before: string | null }[] = [];
  const shared = new SharedHydration({
    hydrate: async (upstreamEvent) => upstreamEvent as FormattedExecutionResult,
    fetchReplay: async (range) => {
      fetched.push(range);
      return [];
    },
    limits: { ...defaultSubscriptionLimits, maxPendingHydrations: options.maxPendingHydrations ?? 100 },
    onHydrationDropped: () => undefined,
    recentEvents: options.recentEvents,
  });
  shared.consumers.add({ push: () => undefined, complete: () => undefined, fail: () => undefined });
  return { shared, fetched };
}

describe('SharedHydration', () => {
  it('gives a client resuming from one of its last events the ones after it, without a replay', async () => {
    const { shared, fetched } = hydration({ recentEvents: 3 });
    for (const seq of [1, 2, 3, 4]) shared.next(event(seq));
    await settle();
    expect(seqsOf(await shared.replay({ after: '1000-2', before: null }))).toEqual([3, 4]);
    expect(seqsOf(await shared.replay({ after: '1000-4', before: null }))).toEqual([]);
    expect(fetched).toEqual([]);
    // Event 1 is no longer kept: from it, the upstream replays.
    await shared.replay({ after: '1000-1', before: null });
    expect(fetched).toEqual([{ after: '1000-1', before: null }]);
  });

  it('keeps nothing across a gap: a reconnection, or an event dropped for too many hydrations pending', async () => {
    const reconnecting = hydration({ recentEvents: 3 });
    for (const seq of [1, 2]) reconnecting.shared.next(event(seq));
    await settle();
    reconnecting.shared.reconnected();
    await settle();
    await reconnecting.shared.replay({ after: '1000-1', before: null });
    // The hydration's own catch-up asked for what the socket missed, and the client's replay went upstream too.
    expect(reconnecting.fetched).toEqual([
      { after: '1000-2', before: null },
      { after: '1000-1', before: null },
    ]);

    const dropping = hydration({ recentEvents: 3, maxPendingHydrations: 1 });
    dropping.shared.next(event(1));
    dropping.shared.next(event(2)); // dropped: one hydration is already pending
    await settle();
    dropping.shared.next(event(3));
    await settle();
    // Event 2 never went out: a client that had 1 must not be told 3 comes next.
    await dropping.shared.replay({ after: '1000-1', before: null });
    expect(dropping.fetched).toEqual([{ after: '1000-1', before: null }]);
    expect(seqsOf(await dropping.shared.replay({ after: '1000-3', before: null }))).toEqual([]);
    expect(dropping.fetched).toHaveLength(1);
  });

  it('keeps nothing when told to keep no events (a viewer-dependent hydration)', async () => {
    const { shared, fetched } = hydration({ recentEvents: 0 });
    for (const seq of [1, 2]) shared.next(event(seq));
    await settle();
    await shared.replay({ after: '1000-1', before: null });
    expect(fetched).toHaveLength(1);
  });
});

describe('SharedHydration.afterPending', () => {
  it('runs at the next event boundary: after the events received so far, before those received after', async () => {
    const delivered: number[] = [];
    const seen: { last: string | null; delivered: number[] }[] = [];
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const shared = new SharedHydration({
      // Event 1 takes a while to hydrate: the boundary must wait for it.
      hydrate: async (upstreamEvent) => {
        if ((upstreamEvent.data as { seq: number }).seq === 1) await slow;
        return upstreamEvent as FormattedExecutionResult;
      },
      fetchReplay: async () => [],
      limits: defaultSubscriptionLimits,
      onHydrationDropped: () => undefined,
    });
    shared.consumers.add({
      push: (result) => void delivered.push((result.data as { seq: number }).seq),
      complete: () => undefined,
      fail: () => undefined,
    });
    expect(shared.lastEventId).toBeNull();
    shared.next(event(1));
    shared.next(event(2));
    shared.afterPending(() => seen.push({ last: shared.lastEventId, delivered: [...delivered] }));
    shared.next(event(3));
    await settle();
    expect(seen).toEqual([]);
    release();
    await settle();
    expect(seen).toEqual([{ last: '1000-2', delivered: [1, 2] }]);
    expect(delivered).toEqual([1, 2, 3]);
    expect(shared.lastEventId).toBe('1000-3');
  });
});

describe('SharedHydration.stopBefore', () => {
  it('runs just before delivering the first event at or after the id it is given, once', async () => {
    const delivered: number[] = [];
    const atStop: number[][] = [];
    const shared = new SharedHydration({
      hydrate: async (upstreamEvent) => upstreamEvent as FormattedExecutionResult,
      fetchReplay: async () => [],
      limits: defaultSubscriptionLimits,
      onHydrationDropped: () => undefined,
    });
    shared.consumers.add({
      push: (result) => void delivered.push((result.data as { seq: number }).seq),
      complete: () => undefined,
      fail: () => undefined,
    });
    let before: string | null = null; // the new hydration's first event is not known yet
    shared.stopBefore(
      () => before,
      () => atStop.push([...delivered]),
    );
    shared.next(event(1));
    await settle();
    before = '1000-3';
    shared.next(event(2));
    shared.next(event(4)); // 3 never came here: stops before 4 all the same
    shared.next(event(5));
    await settle();
    expect(atStop).toEqual([[1, 2]]);
    expect(delivered).toEqual([1, 2, 4, 5]);
  });

  it('can be cancelled', async () => {
    const { shared } = hydration({ recentEvents: 0 });
    let stopped = 0;
    const cancel = shared.stopBefore(
      () => '1000-1',
      () => stopped++,
    );
    cancel();
    shared.next(event(2));
    await settle();
    expect(stopped).toBe(0);
  });
});
