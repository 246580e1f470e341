/**
 * The load generator of `bench:subscriptions`, in a process of its own so that none of the gateway, the subgraphs
 * and the publisher shares its event loop: opens one graphql-ws socket per subscriber, subscribes each to one
 * vendor's `vendorLocationUpdated`, checks every event and records its publish-to-receive latency.
 *
 * After the measured phase, a share of the subscribers close their sockets and later subscribe again on new ones
 * with the last `extensions.eventId` they received (`leave`, `resume`): what the gateway then delivers to them
 * is checked against the updates they missed, apart from the measured figures (`ResumeReport`).
 *
 * Driven by its parent over the IPC channel, one reply per request (see `ClientRequest`). It speaks the
 * graphql-transport-ws protocol on raw `ws` sockets: graphql-ws's `createClient` keeps timers, retry state and
 * a sink per subscription, which at thousands of sockets would cost the client more than it measures.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';

/** A vendor as the subscribers expect to see it in every event. */
export interface BenchVendor {
  id: string;
  name: string;
}

export type ClientRequest =
  | {
      type: 'connect';
      /** The gateway's graphql-ws URL (ws://…/graphql). */
      url: string;
      /**
       * The location subgraph's own graphql-ws URL: one more socket subscribes there to every vendor directly,
       * as the gateway does upstream, to tell the time before the gateway from the time in it.
       */
      upstreamUrl: string;
      subscribers: number;
      /** Subscriber `i` follows `vendors[i % vendors.length]`. */
      vendors: BenchVendor[];
      ownerUsername: string;
      /**
       * Access tokens: subscriber `i` signs in as `tokens[i % tokens.length]` (in `connection_init`, on every
       * socket it opens). None: every subscriber is anonymous.
       */
      tokens: string[];
      /** Sockets opening at once; more would overflow the gateway's listen backlog. */
      connectConcurrency: number;
    }
  | { type: 'status' }
  /** The publishing window starts: the event loop's delay is measured from now on. */
  | { type: 'measure' }
  | {
      type: 'expect';
      /** The updates the parent measures: `[vendor index, updatedAt]`, as the mutation answered them. */
      accepted: [number, string][];
    }
  | { type: 'report' }
  /**
   * The first `subscribers` subscribers close their sockets (1000), each keeping the last `extensions.eventId`
   * and `updatedAt` it received; answered with a `LeaveReply` once the sockets are closed.
   */
  | { type: 'leave'; subscribers: number }
  /**
   * Those subscribers open new sockets, all at once, and subscribe again with `extensions: { lastEventId }`;
   * answered with a `ResumeReport` as soon as every reconnection has started, not when they are done.
   */
  | {
      type: 'resume';
      /** The gateway's graphql-ws URL. */
      url: string;
      /** The updates published while they were away, `[vendor index, updatedAt]`: each should arrive once, in order. */
      missed: [number, string][];
    }
  /** The updates published after they resubscribed: each should arrive once, after every missed one. */
  | { type: 'expect-live'; accepted: [number, string][] }
  | { type: 'resume-report' }
  | { type: 'close' };

export interface ConnectReply {
  type: 'connected';
  /** Sockets acknowledged by the gateway, each with its subscription sent. */
  subscribed: number;
  failed: number;
  errors: string[];
  elapsedMs: number;
}

export interface StatusReply {
  type: 'status';
  open: number;
  /** Subscribers that received at least one event, well-formed or not: the gateway holds their subscription. */
  receiving: number;
  /** Deliveries of the expected updates so far (0 before `expect`). */
  received: number;
  expected: number;
  /** Sockets closed or subscriptions ended (`error`, `complete`) by the gateway, and the first problems seen. */
  endedByServer: number;
  examples: string[];
}

export interface ClientReport {
  type: 'report';
  expected: number;
  received: number;
  /** Publish-to-receive latency of each expected delivery, in ms. */
  latenciesMs: number[];
  /** Per expected update: latency of its first delivery (the path to the gateway and its hydration). */
  firstDeliveryMs: number[];
  /** Per expected update seen on the direct upstream socket: its arrival there, minus `updatedAt`. */
  upstreamMs: number[];
  /** Per expected update: its first delivery minus its arrival on the direct upstream socket (the gateway's share). */
  gatewayMs: number[];
  /** Per expected update: its last delivery minus its first (the gateway's fan-out to the subscribers). */
  fanOutMs: number[];
  /** Events without data, with errors, or with a vendor or owner other than the subscribed one. */
  malformed: number;
  /** Events whose `updatedAt` was not newer than the subscriber's previous one (repeated or out of order). */
  stale: number;
  /** How late this process's event loop ran since `measure`: a late receipt adds to the latencies above. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** Sockets closed or subscriptions ended (`error`, `complete`) by the gateway. */
  endedByServer: number;
  /** A few of the problems above, for a diagnosis without flooding the output. */
  examples: string[];
}

export interface LeaveReply {
  type: 'left';
  /** Subscribers whose sockets were closed. */
  left: number;
  /** Of those, how many had received no `extensions.eventId` to resume from (they resubscribe without one). */
  withoutEventId: number;
}

/**
 * How the gateway resumed the subscribers that left (see `leave`, `resume`). Each should receive the updates of
 * its vendor that it missed (published after the last one it had), once each and in order, then the live ones.
 */
export interface ResumeReport {
  type: 'resume-report';
  resumed: number;
  withoutEventId: number;
  /** Resumed subscribers that received every event expected of them, or whose stream ended. */
  settled: number;
  /** Events expected across the resumed subscribers: the missed ones, then the live ones once `expect-live` came. */
  expected: number;
  /** Expected events received (the first time; repeats are counted apart). */
  received: number;
  /** Expected events that never arrived. */
  lost: number;
  /** Receipts of an event it already had: received earlier on the new socket, or on the old one before leaving. */
  repeated: number;
  /** Expected events that arrived after an event published later than them. */
  outOfOrder: number;
  /** Events without data, with errors, without `extensions.eventId`, or for a vendor or owner other than asked. */
  malformed: number;
  /** Well-formed events newer than the subscriber's last one that the phase did not publish. */
  unexpected: number;
  /** Resumed streams that ended, by the error's `extensions.code` (or how else they ended: close code, complete). */
  endedBy: Record<string, number>;
  /**
   * Per resumed subscriber acknowledged: from its reconnection's start to its subscribe going out, in ms (the
   * share of `catchUpMs` before the gateway could replay anything).
   */
  subscribeMs: number[];
  /** Per resumed subscriber that received every missed event: from its reconnection's start to the last one, ms. */
  catchUpMs: number[];
  /**
   * From the first reconnection's start until every resumed subscriber had all its missed events; null when one
   * never did.
   */
  allCaughtUpMs: number | null;
  /** Deliveries of the phase's updates to the subscribers that stayed connected: expected, and received. */
  stayedExpected: number;
  stayedReceived: number;
  /** Problems the subscribers that stayed connected had meanwhile (malformed, repeated, ended by the gateway). */
  stayedFailures: number;
  examples: string[];
}

export type ClientReply = ConnectReply | StatusReply | ClientReport | LeaveReply | ResumeReport | { type: 'closed' };

const SUBSCRIPTION = `subscription ($vendorId: ID!) {
  vendorLocationUpdated(vendorId: $vendorId) { lat lng updatedAt vendor { name isOpen owner { username } } }
}`;
/** What the gateway's primary fetch asks the location subgraph for, reduced to the field that names the update. */
const UPSTREAM_SUBSCRIPTION = `subscription ($vendorId: ID!) { vendorLocationUpdated(vendorId: $vendorId) { updatedAt } }`;

const keptExamples = 5;

interface Subscriber {
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
interface Resumption {
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
interface Update {
  publishedAtMs: number;
  latenciesMs: number[];
  /** When the update arrived on the direct upstream socket, in epoch ms. */
  upstreamAtMs: number | null;
  expected: boolean;
}

/** The payload of a graphql-ws `next` message, as far as it is trusted before checking. */
interface EventPayload {
  data?: { vendorLocationUpdated?: LocationEvent } | null;
  errors?: unknown;
  extensions?: { eventId?: unknown } | null;
}

interface LocationEvent {
  lat: unknown;
  lng: unknown;
  updatedAt: unknown;
  vendor?: { name?: unknown; isOpen?: unknown; owner?: { username?: unknown } | null } | null;
}

const subscribers: Subscriber[] = [];
let upstreamProbe: WebSocket | undefined;
const updates = new Map<string, Update>();
let vendors: BenchVendor[] = [];
let ownerUsername = '';
let tokens: string[] = [];
let receiving = 0;
let received = 0;
let expected = 0;
let malformed = 0;
let stale = 0;
let endedByServer = 0;
let closing = false;
/** Sockets closed by this process on purpose (`leave`): neither their closing nor late events count. */
const closedOnPurpose = new WeakSet<WebSocket>();
/** The subscribers that left (see `leave`), and the updates they missed and then expect live, per vendor. */
let leavers: Subscriber[] = [];
let withoutEventId = 0;
let missedByVendor: string[][] = [];
let liveByVendor: string[][] | null = null;
/** The updates of the resume phase (missed and live), for the deliveries to the subscribers that stayed. */
let resumePhaseUpdates: [number, string][] = [];
/** `malformed + stale + endedByServer` when the subscribers left: what the ones that stayed had before. */
let failuresBeforeLeaving = 0;
const resumeExamples: string[] = [];
const examples: string[] = [];
/** 10 ms resolution: finer sampling would itself load the loop it watches. */
const eventLoopDelay = monitorEventLoopDelay({ resolution: 10 });

const note = (problem: string) => {
  if (examples.length < keptExamples) examples.push(problem.slice(0, 400));
};

function updateOf(vendorIndex: number, updatedAt: string): Update {
  const key = `${vendorIndex} ${updatedAt}`;
  let update = updates.get(key);
  if (!update) {
    update = { publishedAtMs: Date.parse(updatedAt), latenciesMs: [], upstreamAtMs: null, expected: false };
    updates.set(key, update);
  }
  return update;
}

/** Why an event is not the one this subscriber asked for; null when it is. */
function problemOf(payload: EventPayload, vendor: BenchVendor): string | null {
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
  if (typeof username !== 'string' || username === '' || username !== ownerUsername) {
    return `owner username ${String(username)}, expected ${ownerUsername}`;
  }
  return null;
}

function onEvent(subscriber: Subscriber, payload: EventPayload, receivedAtMs: number): void {
  const vendor = vendors[subscriber.vendorIndex]!;
  if (!subscriber.heard) {
    subscriber.heard = true;
    receiving++;
  }
  const problem = problemOf(payload, vendor);
  if (problem) {
    malformed++;
    note(`${vendor.id}: ${problem}`);
    return;
  }
  const updatedAt = payload.data!.vendorLocationUpdated!.updatedAt as string;
  if (updatedAt <= subscriber.lastUpdatedAt) {
    stale++;
    note(`${vendor.id}: updatedAt ${updatedAt} after ${subscriber.lastUpdatedAt}`);
    return;
  }
  subscriber.lastUpdatedAt = updatedAt;
  subscriber.lastEventId = eventIdOf(payload);
  const update = updateOf(subscriber.vendorIndex, updatedAt);
  update.latenciesMs.push(receivedAtMs - update.publishedAtMs);
  if (update.expected) received++;
}

/** The event id an event carries (`extensions.eventId`); null when it has none. */
function eventIdOf(payload: EventPayload): string | null {
  const eventId = payload.extensions?.eventId;
  return typeof eventId === 'string' && eventId !== '' ? eventId : null;
}

/** Records an event on a resumed subscriber's new socket; `resumeReport` checks them against what it missed. */
function onResumedEvent(subscriber: Subscriber, payload: EventPayload, receivedAtMs: number): void {
  const resumption = subscriber.resumption!;
  const vendor = vendors[subscriber.vendorIndex]!;
  // Without its id a client could not resume again after this event.
  const problem = problemOf(payload, vendor) ?? (eventIdOf(payload) === null ? 'no extensions.eventId' : null);
  if (problem) {
    resumption.malformed++;
    noteResumed(`${vendor.id} (resumed): ${problem}`);
    return;
  }
  resumption.receipts.push({ updatedAt: payload.data!.vendorLocationUpdated!.updatedAt as string, receivedAtMs });
}

const noteResumed = (problem: string) => {
  if (resumeExamples.length < keptExamples) resumeExamples.push(problem.slice(0, 400));
};

/** What subscriber `index` sends in `connection_init`: its user's access token, or nothing (anonymous). */
const connectionParamsOf = (index: number) =>
  tokens.length === 0 ? {} : { authorization: `Bearer ${tokens[index % tokens.length]}` };

/** A new socket for subscriber `index`. */
function socketOf(url: string, index: number): WebSocket {
  // Each subscriber from an address of its own, as 5,000 users behind a proxy would be: the gateway (started with
  // TRUST_PROXY) charges anonymous subscriptions to their address's budget, which one address would exhaust.
  const forwardedFor = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
  return new WebSocket(url, 'graphql-transport-ws', {
    perMessageDeflate: false,
    handshakeTimeout: 30_000,
    headers: { 'x-forwarded-for': forwardedFor },
  });
}

/** Opens subscriber `index`'s socket; resolves once the gateway acknowledged it and the subscription is sent. */
function openSubscriber(url: string, index: number): Promise<void> {
  const subscriber: Subscriber = {
    index,
    socket: socketOf(url, index),
    vendorIndex: index % vendors.length,
    heard: false,
    lastUpdatedAt: '',
    lastEventId: null,
    resumption: null,
  };
  subscribers.push(subscriber);
  return subscribeOnSocket(subscriber, {});
}

/**
 * Subscribes `subscriber` on its current socket, with `extensions` in the subscribe payload, and handles what
 * the gateway sends there: events and endings go to the main phase's counters, or to its `resumption` once it
 * has one. Resolves once the gateway acknowledged the socket and the subscription is sent.
 */
function subscribeOnSocket(subscriber: Subscriber, extensions: { lastEventId?: string }): Promise<void> {
  const { socket, resumption } = subscriber;
  const ended = (how: string, detail: string) => {
    if (resumption) {
      resumption.endedBy ??= how;
      noteResumed(`resumed, then ${detail}`);
    } else {
      endedByServer++;
      note(detail);
    }
  };
  return new Promise((resolve, reject) => {
    let acknowledged = false;
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: connectionParamsOf(subscriber.index) })),
    );
    socket.on('message', (raw) => {
      // Taken before parsing, so the client's own work on the message is not counted as delivery time.
      const receivedAtMs = Date.now();
      // Closed to miss events (`leave`): what still arrives was sent before the gateway saw the close.
      if (closedOnPurpose.has(socket)) return;
      const message = JSON.parse(raw.toString()) as { type: string; payload?: unknown };
      switch (message.type) {
        case 'next':
          if (resumption) onResumedEvent(subscriber, (message.payload ?? {}) as EventPayload, receivedAtMs);
          else onEvent(subscriber, (message.payload ?? {}) as EventPayload, receivedAtMs);
          return;
        case 'connection_ack':
          acknowledged = true;
          if (resumption) resumption.subscribedAtMs = receivedAtMs;
          socket.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: {
                query: SUBSCRIPTION,
                variables: { vendorId: vendors[subscriber.vendorIndex]!.id },
                ...(extensions.lastEventId ? { extensions } : {}),
              },
            }),
          );
          resolve();
          return;
        case 'ping':
          socket.send(JSON.stringify({ type: 'pong' }));
          return;
        case 'error':
        case 'complete': {
          const errors = message.payload as { extensions?: { code?: unknown } }[] | undefined;
          const code = message.type === 'error' ? String(errors?.[0]?.extensions?.code ?? 'no code') : 'complete';
          ended(code, `subscription ended by the gateway: ${JSON.stringify(message)}`);
          return;
        }
      }
    });
    socket.on('error', (error) => {
      if (!acknowledged) reject(error);
      else (resumption ? noteResumed : note)(`socket error: ${error.message}`);
    });
    socket.on('close', (code, reason) => {
      if (!acknowledged) reject(new Error(`closed before connection_ack: ${code} ${reason.toString()}`));
      else if (!closing && !closedOnPurpose.has(socket)) {
        ended(`socket closed ${code}`, `socket closed by the gateway: ${code} ${reason.toString()}`);
      }
    });
  });
}

/**
 * One socket straight to the location subgraph carrying a subscription per vendor (id = vendor index), as the
 * gateway's shared upstream does; notes when each update arrives there. Resolves once all are sent.
 */
function openUpstreamProbe(url: string): Promise<void> {
  const socket = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false, handshakeTimeout: 30_000 });
  upstreamProbe = socket;
  return new Promise((resolve, reject) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('message', (raw) => {
      const receivedAtMs = Date.now();
      const message = JSON.parse(raw.toString()) as { type: string; id?: string; payload?: unknown };
      if (message.type === 'connection_ack') {
        vendors.forEach((vendor, vendorIndex) =>
          socket.send(
            JSON.stringify({
              id: String(vendorIndex),
              type: 'subscribe',
              payload: { query: UPSTREAM_SUBSCRIPTION, variables: { vendorId: vendor.id } },
            }),
          ),
        );
        resolve();
      } else if (message.type === 'next') {
        const updatedAt = (message.payload as EventPayload).data?.vendorLocationUpdated?.updatedAt;
        if (typeof updatedAt === 'string') updateOf(Number(message.id), updatedAt).upstreamAtMs ??= receivedAtMs;
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'error' || message.type === 'complete') {
        note(`upstream probe ended by the location subgraph: ${JSON.stringify(message)}`);
      }
    });
    socket.on('error', reject);
    socket.on('close', (code) => {
      reject(new Error(`upstream probe closed: ${code}`));
      if (!closing) note(`upstream probe closed by the location subgraph: ${code}`);
    });
  });
}

async function connect(request: Extract<ClientRequest, { type: 'connect' }>): Promise<ConnectReply> {
  vendors = request.vendors;
  ownerUsername = request.ownerUsername;
  tokens = request.tokens;
  const started = performance.now();
  await openUpstreamProbe(request.upstreamUrl);
  const errors: string[] = [];
  let subscribed = 0;
  let failed = 0;
  let next = 0;
  const opener = async () => {
    while (next < request.subscribers) {
      const index = next++;
      try {
        await openSubscriber(request.url, index);
        subscribed++;
      } catch (error) {
        failed++;
        if (errors.length < keptExamples) errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(request.connectConcurrency, request.subscribers) }, opener));
  return { type: 'connected', subscribed, failed, errors, elapsedMs: performance.now() - started };
}

function expect(accepted: [number, string][]): void {
  expected = 0;
  received = 0;
  const perVendor = new Array<number>(vendors.length).fill(0);
  for (const subscriber of subscribers) perVendor[subscriber.vendorIndex]!++;
  for (const [vendorIndex, updatedAt] of accepted) {
    const update = updateOf(vendorIndex, updatedAt);
    if (update.expected) continue;
    update.expected = true;
    expected += perVendor[vendorIndex] ?? 0;
    received += update.latenciesMs.length;
  }
}

function report(): ClientReport {
  const latenciesMs: number[] = [];
  const firstDeliveryMs: number[] = [];
  const upstreamMs: number[] = [];
  const gatewayMs: number[] = [];
  const fanOutMs: number[] = [];
  for (const update of updates.values()) {
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
    expected,
    received,
    latenciesMs,
    firstDeliveryMs,
    upstreamMs,
    gatewayMs,
    fanOutMs,
    eventLoopDelayP99Ms: eventLoopDelay.percentile(99) / 1e6,
    eventLoopDelayMaxMs: eventLoopDelay.max / 1e6,
    malformed,
    stale,
    endedByServer,
    examples,
  };
}

/** `updatedAt` of the given updates per vendor index, oldest first: the order a subscriber should get them in. */
function updatedAtsByVendor(updates: readonly [number, string][]): string[][] {
  const byVendor = vendors.map((): string[] => []);
  for (const [vendorIndex, updatedAt] of updates) byVendor[vendorIndex]?.push(updatedAt);
  for (const updatedAts of byVendor) updatedAts.sort();
  return byVendor;
}

/**
 * Closes the sockets of the first `count` subscribers (subscriber `i` follows vendor `i % vendors`, so they are
 * spread evenly over the vendors), as connections lost; resolves once closed, or after 5 s.
 */
async function leave(count: number): Promise<LeaveReply> {
  leavers = subscribers.slice(0, count);
  withoutEventId = leavers.filter((subscriber) => subscriber.lastEventId === null).length;
  failuresBeforeLeaving = malformed + stale + endedByServer;
  const open = leavers.filter(({ socket }) => socket.readyState !== WebSocket.CLOSED);
  const closed = Promise.all(open.map(({ socket }) => new Promise((resolve) => socket.once('close', resolve))));
  for (const { socket } of open) {
    closedOnPurpose.add(socket);
    socket.close(1000);
  }
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  return { type: 'left', left: leavers.length, withoutEventId };
}

/**
 * Reconnects every subscriber that left at once, as clients do after a network blip, each on a new socket with
 * the last event id it received; does not wait for them. Each one's clock starts as its socket is opened.
 */
function resume(url: string, missed: [number, string][]): void {
  missedByVendor = updatedAtsByVendor(missed);
  resumePhaseUpdates = [...missed];
  for (const subscriber of leavers) {
    subscriber.socket = socketOf(url, subscriber.index);
    const resumption: Resumption = {
      leftAfter: subscriber.lastUpdatedAt,
      startedAtMs: Date.now(),
      subscribedAtMs: null,
      receipts: [],
      malformed: 0,
      endedBy: null,
    };
    subscriber.resumption = resumption;
    const extensions = subscriber.lastEventId === null ? {} : { lastEventId: subscriber.lastEventId };
    subscribeOnSocket(subscriber, extensions).catch((error: unknown) => {
      resumption.endedBy ??= 'not reconnected';
      noteResumed(`reconnection failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
}

function expectLive(accepted: [number, string][]): void {
  liveByVendor = updatedAtsByVendor(accepted);
  resumePhaseUpdates.push(...accepted);
}

/** Checks what each resumed subscriber received against what it missed and the live updates since. */
function resumeReport(): ResumeReport {
  const report: ResumeReport = {
    type: 'resume-report',
    resumed: leavers.length,
    withoutEventId,
    settled: 0,
    expected: 0,
    received: 0,
    lost: 0,
    repeated: 0,
    outOfOrder: 0,
    malformed: 0,
    unexpected: 0,
    endedBy: {},
    subscribeMs: [],
    catchUpMs: [],
    allCaughtUpMs: null,
    stayedExpected: 0,
    stayedReceived: 0,
    stayedFailures: malformed + stale + endedByServer - failuresBeforeLeaving,
    examples: resumeExamples,
  };
  let firstStartMs = Number.POSITIVE_INFINITY;
  let lastCaughtUpMs = Number.NEGATIVE_INFINITY;
  let everyoneCaughtUp = true;
  for (const subscriber of leavers) {
    const resumption = subscriber.resumption;
    if (!resumption) continue;
    const vendorId = vendors[subscriber.vendorIndex]!.id;
    const missed = (missedByVendor[subscriber.vendorIndex] ?? []).filter(
      (updatedAt) => updatedAt > resumption.leftAfter,
    );
    const sequence = [...missed, ...(liveByVendor?.[subscriber.vendorIndex] ?? [])];
    const positionOf = new Map(sequence.map((updatedAt, position) => [updatedAt, position]));
    const seen = new Set<string>();
    let furthest = -1;
    let missedToGo = missed.length;
    let caughtUpAtMs = missed.length === 0 ? resumption.startedAtMs : null;
    for (const { updatedAt, receivedAtMs } of resumption.receipts) {
      const position = positionOf.get(updatedAt);
      if (position === undefined) {
        if (updatedAt <= resumption.leftAfter) {
          report.repeated++;
          noteResumed(`${vendorId} (resumed): ${updatedAt} again, it had ${resumption.leftAfter} before leaving`);
        } else {
          report.unexpected++;
          noteResumed(`${vendorId} (resumed): ${updatedAt}, not published in the resume phase`);
        }
      } else if (seen.has(updatedAt)) {
        report.repeated++;
        noteResumed(`${vendorId} (resumed): ${updatedAt} twice on the new socket`);
      } else {
        seen.add(updatedAt);
        if (position < furthest) {
          report.outOfOrder++;
          noteResumed(`${vendorId} (resumed): ${updatedAt} after ${sequence[furthest]}`);
        }
        furthest = Math.max(furthest, position);
        if (position < missed.length && --missedToGo === 0) caughtUpAtMs = receivedAtMs;
      }
    }
    report.expected += sequence.length;
    report.received += seen.size;
    report.lost += sequence.length - seen.size;
    report.malformed += resumption.malformed;
    if (resumption.endedBy !== null) {
      report.endedBy[resumption.endedBy] = (report.endedBy[resumption.endedBy] ?? 0) + 1;
    }
    if (resumption.endedBy !== null || (liveByVendor !== null && seen.size === sequence.length)) report.settled++;
    firstStartMs = Math.min(firstStartMs, resumption.startedAtMs);
    if (resumption.subscribedAtMs !== null) report.subscribeMs.push(resumption.subscribedAtMs - resumption.startedAtMs);
    if (caughtUpAtMs === null) {
      everyoneCaughtUp = false;
    } else {
      if (missed.length > 0) report.catchUpMs.push(caughtUpAtMs - resumption.startedAtMs);
      lastCaughtUpMs = Math.max(lastCaughtUpMs, caughtUpAtMs);
    }
  }
  if (everyoneCaughtUp && report.resumed > 0) report.allCaughtUpMs = lastCaughtUpMs - firstStartMs;
  // The subscribers that stayed connected should have had every update of the phase, as in the measured one.
  const stayedPerVendor = new Array<number>(vendors.length).fill(0);
  for (const subscriber of subscribers) if (subscriber.resumption === null) stayedPerVendor[subscriber.vendorIndex]!++;
  for (const [vendorIndex, updatedAt] of resumePhaseUpdates) {
    report.stayedExpected += stayedPerVendor[vendorIndex]!;
    report.stayedReceived += updates.get(`${vendorIndex} ${updatedAt}`)?.latenciesMs.length ?? 0;
  }
  return report;
}

/** Closes every socket (1000); gives up waiting after 5 s, when the process exit drops the rest. */
async function closeAll(): Promise<void> {
  closing = true;
  const open = [...subscribers, ...(upstreamProbe ? [{ socket: upstreamProbe }] : [])].filter(
    ({ socket }) => socket.readyState !== WebSocket.CLOSED,
  );
  const closed = Promise.all(open.map(({ socket }) => new Promise((resolve) => socket.once('close', resolve))));
  for (const { socket } of open) socket.close(1000);
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
}

const reply = (message: ClientReply) => process.send!(message);

const status = (): StatusReply => ({
  type: 'status',
  open: subscribers.filter(({ socket }) => socket.readyState === WebSocket.OPEN).length,
  receiving,
  received,
  expected,
  endedByServer,
  examples,
});

if (!process.send) throw new Error('subscriptions-client.ts is started by subscriptions.ts, with an IPC channel');

// The parent went away (crashed or killed): nothing is left to report to.
process.on('disconnect', () => process.exit(0));

process.on('message', (request: ClientRequest) => {
  switch (request.type) {
    case 'connect':
      void connect(request).then(reply);
      return;
    case 'status':
      reply(status());
      return;
    case 'measure':
      eventLoopDelay.reset();
      eventLoopDelay.enable();
      reply(status());
      return;
    case 'expect':
      expect(request.accepted);
      reply(status());
      return;
    case 'report':
      reply(report());
      return;
    case 'leave':
      void leave(request.subscribers).then(reply);
      return;
    case 'resume':
      resume(request.url, request.missed);
      reply(resumeReport());
      return;
    case 'expect-live':
      expectLive(request.accepted);
      reply(resumeReport());
      return;
    case 'resume-report':
      reply(resumeReport());
      return;
    case 'close':
      void closeAll().then(() => {
        reply({ type: 'closed' });
        process.disconnect();
      });
      return;
  }
});
