/** The load client's checks of each event a subscriber receives, live or resumed. */
import type { BenchVendor } from '../protocol.ts';
import { note, noteResumed, updateOf, type ClientState, type Subscriber } from './state.ts';

/** The payload of a graphql-ws `next` message, as far as it is trusted before checking. */
export interface EventPayload {
  data?: { vendorLocationUpdated?: LocationEvent } | null;
  errors?: unknown;
  extensions?: { eventId?: unknown } | null;
}

export interface LocationEvent {
  lat: unknown;
  lng: unknown;
  updatedAt: unknown;
  vendor?: { name?: unknown; isOpen?: unknown; owner?: { username?: unknown } | null } | null;
}

/** Why an event is not the one this subscriber asked for; null when it is. */
export function problemOf(state: ClientState, payload: EventPayload, vendor: BenchVendor): string | null {
  if (payload.errors) return `errors: ${JSON.stringify(payload.errors)}`;
  const event = payload.data?.vendorLocationUpdated;
  if (!event) return 'no data';
  if (typeof event.lat !== 'number' || typeof event.lng !== 'number') return `bad position ${event.lat}, ${event.lng}`;
  if (typeof event.updatedAt !== 'string' || Number.isNaN(Date.parse(event.updatedAt))) {
    return `bad updatedAt ${String(event.updatedAt)}`;
  }
  if (event.vendor?.name !== vendor.name) return `vendor name ${String(event.vendor?.name)}, expected ${vendor.name}`;
  if (typeof event.vendor.isOpen !== 'boolean') return `vendor.isOpen ${String(event.vendor.isOpen)}`;
  const username = event.vendor.owner?.username;
  if (typeof username !== 'string' || username === '' || username !== state.ownerUsername) {
    return `owner username ${String(username)}, expected ${state.ownerUsername}`;
  }
  return null;
}

/** Records an event on a subscriber's first socket: checked, then its latency counted under its update. */
export function onEvent(state: ClientState, subscriber: Subscriber, payload: EventPayload, receivedAtMs: number): void {
  const vendor = state.vendors[subscriber.vendorIndex]!;
  if (!subscriber.heard) {
    subscriber.heard = true;
    state.receiving++;
  }
  const problem = problemOf(state, payload, vendor);
  if (problem) {
    state.malformed++;
    note(state, `${vendor.id}: ${problem}`);
    return;
  }
  const updatedAt = payload.data!.vendorLocationUpdated!.updatedAt as string;
  if (updatedAt <= subscriber.lastUpdatedAt) {
    state.stale++;
    note(state, `${vendor.id}: updatedAt ${updatedAt} after ${subscriber.lastUpdatedAt}`);
    return;
  }
  subscriber.lastUpdatedAt = updatedAt;
  subscriber.lastEventId = eventIdOf(payload);
  const update = updateOf(state, subscriber.vendorIndex, updatedAt);
  update.latenciesMs.push(receivedAtMs - update.publishedAtMs);
  if (update.expected) state.received++;
}

/** The event id an event carries (`extensions.eventId`); null when it has none. */
export function eventIdOf(payload: EventPayload): string | null {
  const eventId = payload.extensions?.eventId;
  return typeof eventId === 'string' && eventId !== '' ? eventId : null;
}

/** Records an event on a resumed subscriber's new socket; `resumeReport` checks them against what it missed. */
export function onResumedEvent(
  state: ClientState,
  subscriber: Subscriber,
  payload: EventPayload,
  receivedAtMs: number,
): void {
  const resumption = subscriber.resumption!;
  const vendor = state.vendors[subscriber.vendorIndex]!;
  // Without its id a client could not resume again after this event.
  const problem = problemOf(state, payload, vendor) ?? (eventIdOf(payload) === null ? 'no extensions.eventId' : null);
  if (problem) {
    resumption.malformed++;
    noteResumed(state, `${vendor.id} (resumed): ${problem}`);
    return;
  }
  resumption.receipts.push({ updatedAt: payload.data!.vendorLocationUpdated!.updatedAt as string, receivedAtMs });
}
