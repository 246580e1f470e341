/** The load client's tallies of the measured rounds: what was expected, what arrived, and how late. */
import WebSocket from 'ws';
import type { ClientReport, StatusReply } from '../protocol.ts';
import { updateOf, type ClientState } from './state.ts';

/** The updates the parent measures: from now on `received` counts only their deliveries, past ones included. */
export function expect(state: ClientState, accepted: [number, string][]): void {
  state.expected = 0;
  state.received = 0;
  const perVendor = new Array<number>(state.vendors.length).fill(0);
  for (const subscriber of state.subscribers) perVendor[subscriber.vendorIndex]!++;
  for (const [vendorIndex, updatedAt] of accepted) {
    const update = updateOf(state, vendorIndex, updatedAt);
    if (update.expected) continue;
    update.expected = true;
    state.expected += perVendor[vendorIndex] ?? 0;
    state.received += update.latenciesMs.length;
  }
}

/** The measured figures: latencies per delivery and per update (first, upstream, gateway, fan-out), problems. */
export function report(state: ClientState): ClientReport {
  const latenciesMs: number[] = [];
  const firstDeliveryMs: number[] = [];
  const upstreamMs: number[] = [];
  const gatewayMs: number[] = [];
  const fanOutMs: number[] = [];
  for (const update of state.updates.values()) {
    if (!update.expected || update.latenciesMs.length === 0) continue;
    // Loops, not spreads: a vendor with many subscribers would pass more arguments than a call takes.
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const latencyMs of update.latenciesMs) {
      latenciesMs.push(latencyMs);
      first = Math.min(first, latencyMs);
      last = Math.max(last, latencyMs);
    }
    firstDeliveryMs.push(first);
    fanOutMs.push(last - first);
    if (update.upstreamAtMs === null) continue;
    upstreamMs.push(update.upstreamAtMs - update.publishedAtMs);
    gatewayMs.push(update.publishedAtMs + first - update.upstreamAtMs);
  }
  return {
    type: 'report',
    expected: state.expected,
    received: state.received,
    latenciesMs,
    firstDeliveryMs,
    upstreamMs,
    gatewayMs,
    fanOutMs,
    eventLoopDelayP99Ms: state.eventLoopDelay.percentile(99) / 1e6,
    eventLoopDelayMaxMs: state.eventLoopDelay.max / 1e6,
    malformed: state.malformed,
    stale: state.stale,
    endedByServer: state.endedByServer,
    examples: state.examples,
  };
}

/** How far the subscribers are: open sockets, subscribers heard from, deliveries, endings. */
export const status = (state: ClientState): StatusReply => ({
  type: 'status',
  open: state.subscribers.filter(({ socket }) => socket.readyState === WebSocket.OPEN).length,
  receiving: state.receiving,
  received: state.received,
  expected: state.expected,
  endedByServer: state.endedByServer,
  examples: state.examples,
});
