/** The load client's state: its subscribers, the updates they received, and what went wrong (see `ClientState`). */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type WebSocket from 'ws';
import type { BenchVendor } from '../protocol.ts';

/** Problems kept for the reports, per kind: a diagnosis without flooding the output. */
export const keptExamples = 5;

export interface Subscriber {
  /** Its place in `subscribers`, which names its address (X-Forwarded-For) on every socket it opens. */
  index: number;
  socket: WebSocket;
  vendorIndex: number;
  /** An event of any kind arrived: the gateway holds this subscription. */
  heard: boolean;
  /** The newest `updatedAt` received (ISO-8601 in one format: string order is time order). */
  lastUpdatedAt: string;
  /** The `extensions.eventId` of that event: what it resumes after when it reconnects. */
  lastEventId: string | null;
  /** Set once it subscribed again with `lastEventId` (see `resume`): its events are checked there from then on. */
  resumption: Resumption | null;
}

/** A subscriber that left and resubscribed with `lastEventId`: what it had, and what it received since. */
export interface Resumption {
  /** The `updatedAt` of the last event it received before leaving: it missed every later one. */
  leftAfter: string;
  /** When its reconnection started (the new socket was opened), in epoch ms like the receipts. */
  startedAtMs: number;
  /** When the gateway acknowledged the new socket and the subscription went out; null until then. */
  subscribedAtMs: number | null;
  /** Well-formed events received on the new socket, in arrival order. */
  receipts: { updatedAt: string; receivedAtMs: number }[];
  malformed: number;
  /** How its stream ended (the error's `extensions.code`, the close code, ...); null while it runs. */
  endedBy: string | null;
}

/** Deliveries of one update (one vendor, one `updatedAt`). */
export interface Update {
  publishedAtMs: number;
  latenciesMs: number[];
  /** When the update arrived on the direct upstream socket, in epoch ms. */
  upstreamAtMs: number | null;
  expected: boolean;
}

/** Everything the load client knows, created once by its entry file and passed to every handler. */
export interface ClientState {
  subscribers: Subscriber[];
  /** The socket straight to the location subgraph (see `openUpstreamProbe`). */
  upstreamProbe: WebSocket | undefined;
  /** Deliveries per update, by `${vendor index} ${updatedAt}`. */
  updates: Map<string, Update>;
  vendors: BenchVendor[];
  ownerUsername: string;
  tokens: string[];
  receiving: number;
  received: number;
  expected: number;
  malformed: number;
  stale: number;
  endedByServer: number;
  closing: boolean;
  /** Sockets closed by this process on purpose (`leave`): neither their closing nor late events count. */
  closedOnPurpose: WeakSet<WebSocket>;
  /** The subscribers that left (see `leave`), and the updates they missed and then expect live, per vendor. */
  leavers: Subscriber[];
  withoutEventId: number;
  missedByVendor: string[][];
  liveByVendor: string[][] | null;
  /** The updates of the resume phase (missed and live), for the deliveries to the subscribers that stayed. */
  resumePhaseUpdates: [number, string][];
  /** `malformed + stale + endedByServer` when the subscribers left: what the ones that stayed had before. */
  failuresBeforeLeaving: number;
  resumeExamples: string[];
  examples: string[];
  /** 10 ms resolution: finer sampling would itself load the loop it watches. */
  eventLoopDelay: ReturnType<typeof monitorEventLoopDelay>;
}

/** A client with no subscriber yet. */
export function createClientState(): ClientState {
  return {
    subscribers: [],
    upstreamProbe: undefined,
    updates: new Map(),
    vendors: [],
    ownerUsername: '',
    tokens: [],
    receiving: 0,
    received: 0,
    expected: 0,
    malformed: 0,
    stale: 0,
    endedByServer: 0,
    closing: false,
    closedOnPurpose: new WeakSet(),
    leavers: [],
    withoutEventId: 0,
    missedByVendor: [],
    liveByVendor: null,
    resumePhaseUpdates: [],
    failuresBeforeLeaving: 0,
    resumeExamples: [],
    examples: [],
    eventLoopDelay: monitorEventLoopDelay({ resolution: 10 }),
  };
}

/** Keeps a problem of the main phase for the report (the first `keptExamples`, 400 characters each). */
export const note = (state: ClientState, problem: string) => {
  if (state.examples.length < keptExamples) state.examples.push(problem.slice(0, 400));
};

/** The deliveries of one update (vendor index, `updatedAt`), created at its first sighting. */
export function updateOf(state: ClientState, vendorIndex: number, updatedAt: string): Update {
  const key = `${vendorIndex} ${updatedAt}`;
  let update = state.updates.get(key);
  if (!update) {
    update = { publishedAtMs: Date.parse(updatedAt), latenciesMs: [], upstreamAtMs: null, expected: false };
    state.updates.set(key, update);
  }
  return update;
}

/** Keeps a problem of the resume phase for its report (the first `keptExamples`, 400 characters each). */
export const noteResumed = (state: ClientState, problem: string) => {
  if (state.resumeExamples.length < keptExamples) state.resumeExamples.push(problem.slice(0, 400));
};
