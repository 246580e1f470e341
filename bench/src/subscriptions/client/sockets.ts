/**
 * The load client's sockets: one graphql-ws socket per subscriber to the gateway, and one straight to the location
 * subgraph, on raw `ws` sockets speaking graphql-transport-ws (see `main.ts`).
 */
import WebSocket from 'ws';
import type { ClientRequest, ConnectReply } from '../protocol.ts';
import { onEvent, onResumedEvent, type EventPayload } from './events.ts';
import { keptExamples, note, noteResumed, updateOf, type ClientState, type Subscriber } from './state.ts';

const SUBSCRIPTION = `subscription ($vendorId: ID!) {
  vendorLocationUpdated(vendorId: $vendorId) { lat lng updatedAt vendor { name isOpen owner { username } } }
}`;
/** What the gateway's primary fetch asks the location subgraph for, reduced to the field that names the update. */
const UPSTREAM_SUBSCRIPTION = `subscription ($vendorId: ID!) { vendorLocationUpdated(vendorId: $vendorId) { updatedAt } }`;

/** What subscriber `index` sends in `connection_init`: its user's access token, or nothing (anonymous). */
export const connectionParamsOf = (state: ClientState, index: number) =>
  state.tokens.length === 0 ? {} : { authorization: `Bearer ${state.tokens[index % state.tokens.length]}` };

/** A new socket for subscriber `index`. */
export function socketOf(url: string, index: number): WebSocket {
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
export function openSubscriber(state: ClientState, url: string, index: number): Promise<void> {
  const subscriber: Subscriber = {
    index,
    socket: socketOf(url, index),
    vendorIndex: index % state.vendors.length,
    heard: false,
    lastUpdatedAt: '',
    lastEventId: null,
    resumption: null,
  };
  state.subscribers.push(subscriber);
  return subscribeOnSocket(state, subscriber, {});
}

/**
 * Subscribes `subscriber` on its current socket, with `extensions` in the subscribe payload, and handles what
 * the gateway sends there: events and endings go to the main phase's counters, or to its `resumption` once it
 * has one. Resolves once the gateway acknowledged the socket and the subscription is sent.
 */
export function subscribeOnSocket(
  state: ClientState,
  subscriber: Subscriber,
  extensions: { lastEventId?: string },
): Promise<void> {
  const { socket, resumption } = subscriber;
  const ended = (how: string, detail: string) => {
    if (resumption) {
      resumption.endedBy ??= how;
      noteResumed(state, `resumed, then ${detail}`);
    } else {
      state.endedByServer++;
      note(state, detail);
    }
  };
  return new Promise((resolve, reject) => {
    let acknowledged = false;
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: connectionParamsOf(state, subscriber.index) })),
    );
    socket.on('message', (raw) => {
      // Taken before parsing, so the client's own work on the message is not counted as delivery time.
      const receivedAtMs = Date.now();
      // Closed to miss events (`leave`): what still arrives was sent before the gateway saw the close.
      if (state.closedOnPurpose.has(socket)) return;
      const message = JSON.parse(raw.toString()) as { type: string; payload?: unknown };
      switch (message.type) {
        case 'next':
          if (resumption) onResumedEvent(state, subscriber, (message.payload ?? {}) as EventPayload, receivedAtMs);
          else onEvent(state, subscriber, (message.payload ?? {}) as EventPayload, receivedAtMs);
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
                variables: { vendorId: state.vendors[subscriber.vendorIndex]!.id },
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
      else (resumption ? noteResumed : note)(state, `socket error: ${error.message}`);
    });
    socket.on('close', (code, reason) => {
      if (!acknowledged) reject(new Error(`closed before connection_ack: ${code} ${reason.toString()}`));
      else if (!state.closing && !state.closedOnPurpose.has(socket)) {
        ended(`socket closed ${code}`, `socket closed by the gateway: ${code} ${reason.toString()}`);
      }
    });
  });
}

/**
 * One socket straight to the location subgraph carrying a subscription per vendor (id = vendor index), as the
 * gateway's shared upstream does; notes when each update arrives there. Resolves once all are sent.
 */
export function openUpstreamProbe(state: ClientState, url: string): Promise<void> {
  const socket = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false, handshakeTimeout: 30_000 });
  state.upstreamProbe = socket;
  return new Promise((resolve, reject) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('message', (raw) => {
      const receivedAtMs = Date.now();
      const message = JSON.parse(raw.toString()) as { type: string; id?: string; payload?: unknown };
      if (message.type === 'connection_ack') {
        state.vendors.forEach((vendor, vendorIndex) =>
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
        if (typeof updatedAt === 'string') updateOf(state, Number(message.id), updatedAt).upstreamAtMs ??= receivedAtMs;
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'error' || message.type === 'complete') {
        note(state, `upstream probe ended by the location subgraph: ${JSON.stringify(message)}`);
      }
    });
    socket.on('error', reject);
    socket.on('close', (code) => {
      reject(new Error(`upstream probe closed: ${code}`));
      if (!state.closing) note(state, `upstream probe closed by the location subgraph: ${code}`);
    });
  });
}

/** Opens the upstream probe, then every subscriber, `connectConcurrency` at a time; counts who failed and why. */
export async function connect(
  state: ClientState,
  request: Extract<ClientRequest, { type: 'connect' }>,
): Promise<ConnectReply> {
  state.vendors = request.vendors;
  state.ownerUsername = request.ownerUsername;
  state.tokens = request.tokens;
  const started = performance.now();
  await openUpstreamProbe(state, request.upstreamUrl);
  const errors: string[] = [];
  let subscribed = 0;
  let failed = 0;
  let next = 0;
  const opener = async () => {
    while (next < request.subscribers) {
      const index = next++;
      try {
        await openSubscriber(state, request.url, index);
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

/** Closes every socket (1000); gives up waiting after 5 s, when the process exit drops the rest. */
export async function closeAll(state: ClientState): Promise<void> {
  state.closing = true;
  const open = [...state.subscribers, ...(state.upstreamProbe ? [{ socket: state.upstreamProbe }] : [])].filter(
    ({ socket }) => socket.readyState !== WebSocket.CLOSED,
  );
  const closed = Promise.all(open.map(({ socket }) => new Promise((resolve) => socket.once('close', resolve))));
  for (const { socket } of open) socket.close(1000);
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
}
