/**
 * The load generator of `bench:subscriptions`, in a process of its own so that none of the gateway, the subgraphs
 * and the publisher shares its event loop: opens one graphql-ws socket per subscriber, subscribes each to one
 * vendor's `vendorLocationUpdated`, checks every event and records its publish-to-receive latency.
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

export type ClientReply = ConnectReply | StatusReply | ClientReport | { type: 'closed' };

const SUBSCRIPTION = `subscription ($vendorId: ID!) {
  vendorLocationUpdated(vendorId: $vendorId) { lat lng updatedAt vendor { name isOpen owner { username } } }
}`;
/** What the gateway's primary fetch asks the location subgraph for, reduced to the field that names the update. */
const UPSTREAM_SUBSCRIPTION = `subscription ($vendorId: ID!) { vendorLocationUpdated(vendorId: $vendorId) { updatedAt } }`;

const keptExamples = 5;

interface Subscriber {
  socket: WebSocket;
  vendorIndex: number;
  /** An event of any kind arrived: the gateway holds this subscription. */
  heard: boolean;
  /** The newest `updatedAt` received (ISO-8601 in one format: string order is time order). */
  lastUpdatedAt: string;
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
let receiving = 0;
let received = 0;
let expected = 0;
let malformed = 0;
let stale = 0;
let endedByServer = 0;
let closing = false;
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
  const update = updateOf(subscriber.vendorIndex, updatedAt);
  update.latenciesMs.push(receivedAtMs - update.publishedAtMs);
  if (update.expected) received++;
}

/** Opens subscriber `index`'s socket; resolves once the gateway acknowledged it and the subscription is sent. */
function openSubscriber(url: string, index: number): Promise<void> {
  const vendorIndex = index % vendors.length;
  // Each subscriber from an address of its own, as 5,000 users behind a proxy would be: the gateway (started with
  // TRUST_PROXY) charges anonymous subscriptions to their address's budget, which one address would exhaust.
  const forwardedFor = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
  const socket = new WebSocket(url, 'graphql-transport-ws', {
    perMessageDeflate: false,
    handshakeTimeout: 30_000,
    headers: { 'x-forwarded-for': forwardedFor },
  });
  const subscriber: Subscriber = { socket, vendorIndex, heard: false, lastUpdatedAt: '' };
  subscribers.push(subscriber);
  return new Promise((resolve, reject) => {
    let acknowledged = false;
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('message', (raw) => {
      // Taken before parsing, so the client's own work on the message is not counted as delivery time.
      const receivedAtMs = Date.now();
      const message = JSON.parse(raw.toString()) as { type: string; payload?: unknown };
      switch (message.type) {
        case 'next':
          onEvent(subscriber, (message.payload ?? {}) as EventPayload, receivedAtMs);
          return;
        case 'connection_ack':
          acknowledged = true;
          socket.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: { query: SUBSCRIPTION, variables: { vendorId: vendors[vendorIndex]!.id } },
            }),
          );
          resolve();
          return;
        case 'ping':
          socket.send(JSON.stringify({ type: 'pong' }));
          return;
        case 'error':
        case 'complete':
          endedByServer++;
          note(`subscription ended by the gateway: ${JSON.stringify(message)}`);
          return;
      }
    });
    socket.on('error', (error) => {
      if (!acknowledged) reject(error);
      else note(`socket error: ${error.message}`);
    });
    socket.on('close', (code, reason) => {
      if (!acknowledged) reject(new Error(`closed before connection_ack: ${code} ${reason.toString()}`));
      else if (!closing) {
        endedByServer++;
        note(`socket closed by the gateway: ${code} ${reason.toString()}`);
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
    case 'close':
      void closeAll().then(() => {
        reply({ type: 'closed' });
        process.disconnect();
      });
      return;
  }
});
