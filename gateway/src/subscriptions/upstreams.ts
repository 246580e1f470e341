import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { ExecutionResult, GraphQLFormattedError } from 'graphql';
import { gatewayCredentialHeader } from '@curbside/auth';
import { codedExtensions } from '@curbside/errors';
import type { Logger } from '@curbside/service';

/** A subscription as sent to the subgraph that owns its root field. */
export interface UpstreamRequest {
  subgraph: string;
  /** The subgraph's graphql-ws URL (ws:// or wss://). */
  url: string;
  /** The client's verified `Authorization` header, sent in the subgraph socket's `connection_init`. */
  authorization: string | null;
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
}

/** Receives the events of one shared upstream. */
export interface UpstreamListener {
  next(event: ExecutionResult): void;
  /** The upstream ended with errors, already in the shape a client may see. */
  error(errors: GraphQLFormattedError[]): void;
  complete(): void;
  /** The subgraph socket came back after a drop and resubscribed: events published meanwhile reached no one. */
  reconnected?(): void;
}

export interface UpstreamHubOptions {
  logger: Logger;
  /** Reconnection attempts after a subgraph socket drops, before its subscriptions end with an error. */
  retryAttempts?: number;
  /** The longest wait between two attempts; the first waits 100 ms and each doubles. */
  maxRetryWaitMs?: number;
  /**
   * Sent in `x-curbside-gateway` on every subgraph socket's upgrade request, for subgraphs that answer only the
   * gateway (they refuse the upgrade without it). Default: none.
   */
  gatewaySecret?: string | undefined;
}

/** How graphql-ws constructs its sockets. */
type WebSocketConstructor = new (address: string | URL, protocols?: string | string[]) => WebSocket;

/**
 * `ws` with extra headers on the upgrade request: graphql-ws constructs its socket from the URL and subprotocol
 * alone, and a credential checked at the upgrade refuses a caller before any socket exists.
 */
function webSocketWithHeaders(headers: Record<string, string>): WebSocketConstructor {
  return class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  };
}

interface SubgraphSocket {
  client: Client;
  /** Shared upstreams and replays in flight on this socket; the socket is disposed when none is left. */
  upstreams: number;
}

interface SharedUpstream {
  listeners: Set<UpstreamListener>;
  unsubscribe: () => void;
  socketKey: string;
}

/** Close codes after which reconnecting with the same credentials is pointless. */
const credentialsRefused = new Set([4401, 4403]);

function closeCodeOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number'
    ? error.code
    : undefined;
}

function isGraphQLErrorList(error: unknown): error is GraphQLFormattedError[] {
  return Array.isArray(error) && error.every((item) => typeof item?.message === 'string');
}

/** JSON with object keys sorted, so equal variables give equal keys whatever their order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

/** One socket per (subgraph, credentials). */
const socketKeyOf = (request: UpstreamRequest) => `${request.subgraph}\n${request.url}\n${request.authorization ?? ''}`;

/**
 * The gateway's subscriptions to subgraphs over graphql-ws. One socket per (subgraph, credentials); identical
 * subscriptions (same subgraph, operation, variables and credentials) share one upstream, reference counted:
 * the last listener to leave unsubscribes, and the last upstream on a socket closes it. A socket that drops
 * reconnects with backoff and resubscribes everything it carried; when it cannot, every listener gets an error
 * (never a silent complete).
 */
export class UpstreamHub {
  readonly #options: Required<Omit<UpstreamHubOptions, 'gatewaySecret'>>;
  readonly #webSocketImpl: WebSocketConstructor;
  readonly #sockets = new Map<string, SubgraphSocket>();
  readonly #upstreams = new Map<string, SharedUpstream>();

  constructor(options: UpstreamHubOptions) {
    const { gatewaySecret, ...rest } = options;
    this.#options = { retryAttempts: 8, maxRetryWaitMs: 2_000, ...rest };
    this.#webSocketImpl = gatewaySecret
      ? webSocketWithHeaders({ [gatewayCredentialHeader]: gatewaySecret })
      : WebSocket;
  }

  /** Listens to the upstream for `request`, starting it when it is the first; returns the way to leave. */
  join(request: UpstreamRequest, listener: UpstreamListener): () => void {
    const socketKey = socketKeyOf(request);
    const key = `${socketKey}\n${request.operationName ?? ''}\n${request.query}\n${canonicalJson(request.variables)}`;
    let upstream = this.#upstreams.get(key);
    if (!upstream) upstream = this.#start(key, socketKey, request);
    upstream.listeners.add(listener);
    const joined = upstream;
    return () => {
      if (!joined.listeners.delete(listener) || joined.listeners.size > 0) return;
      this.#stop(key, joined);
    };
  }

  /**
   * The events a subgraph kept for `request` in `range` (ids exclusive), fetched as a finite subscription on the
   * same socket as live ones (`extensions.replay`, see the subgraph kit's `liveEvents`). Rejects with the errors a
   * client may see (SUBSCRIPTION_CANNOT_RESUME when the subgraph no longer holds them).
   */
  replay(request: UpstreamRequest, range: { after: string; before: string | null }): Promise<ExecutionResult[]> {
    const socketKey = socketKeyOf(request);
    const socket = this.#socket(socketKey, request);
    socket.upstreams++;
    const events: ExecutionResult[] = [];
    return new Promise<ExecutionResult[]>((resolve, reject) => {
      socket.client.subscribe(
        {
          query: request.query,
          operationName: request.operationName ?? null,
          variables: request.variables,
          extensions: { replay: range },
        },
        {
          next: (event) => void events.push(event as ExecutionResult),
          error: (error) => reject(this.#errorsOf(request, error)),
          complete: () => resolve(events),
        },
      );
    }).finally(() => this.#releaseSocket(socketKey));
  }

  /** Open upstream subscriptions and subgraph sockets, for metrics and tests. */
  stats(): { upstreams: number; sockets: number } {
    return { upstreams: this.#upstreams.size, sockets: this.#sockets.size };
  }

  #start(key: string, socketKey: string, request: UpstreamRequest): SharedUpstream {
    const socket = this.#socket(socketKey, request);
    socket.upstreams++;
    const upstream: SharedUpstream = { listeners: new Set(), unsubscribe: () => undefined, socketKey };
    this.#upstreams.set(key, upstream);
    // The sink may be called synchronously by a client that is already closed; listeners join right after
    // this returns, so endings are deferred to reach them.
    const end = (notify: (listener: UpstreamListener) => void) =>
      queueMicrotask(() => {
        if (this.#upstreams.get(key) !== upstream) return;
        this.#stop(key, upstream);
        for (const listener of upstream.listeners) notify(listener);
      });
    upstream.unsubscribe = socket.client.subscribe(
      { query: request.query, operationName: request.operationName ?? null, variables: request.variables },
      {
        next: (event) => {
          for (const listener of upstream.listeners) listener.next(event as ExecutionResult);
        },
        error: (error) => end((listener) => listener.error(this.#errorsOf(request, error))),
        complete: () => end((listener) => listener.complete()),
      },
    );
    return upstream;
  }

  #stop(key: string, upstream: SharedUpstream): void {
    if (this.#upstreams.get(key) !== upstream) return;
    this.#upstreams.delete(key);
    upstream.unsubscribe();
    this.#releaseSocket(upstream.socketKey);
  }

  /** One subscription fewer on the socket: the last one leaving closes it. */
  #releaseSocket(socketKey: string): void {
    const socket = this.#sockets.get(socketKey);
    if (socket && --socket.upstreams === 0) {
      this.#sockets.delete(socketKey);
      void socket.client.dispose();
    }
  }

  #socket(socketKey: string, request: UpstreamRequest): SubgraphSocket {
    const existing = this.#sockets.get(socketKey);
    if (existing) return existing;
    const { logger, retryAttempts, maxRetryWaitMs } = this.#options;
    const client = createClient({
      url: request.url,
      webSocketImpl: this.#webSocketImpl,
      connectionParams: request.authorization ? { authorization: request.authorization } : {},
      // Opens with the first subscription; closing is ours (when the last upstream leaves).
      lazy: true,
      lazyCloseTimeout: 0,
      retryAttempts,
      retryWait: async (retries) => {
        const wait = Math.min(100 * 2 ** retries, maxRetryWaitMs);
        await new Promise((resolve) => setTimeout(resolve, wait / 2 + Math.random() * (wait / 2)));
      },
      shouldRetry: (error) => !credentialsRefused.has(closeCodeOf(error) ?? 0),
      on: {
        connected: (_socket, _payload, wasRetry) => {
          if (!wasRetry) return;
          for (const upstream of this.#upstreams.values()) {
            if (upstream.socketKey !== socketKey) continue;
            for (const listener of upstream.listeners) listener.reconnected?.();
          }
        },
        closed: (event) => {
          const code = closeCodeOf(event);
          if (code !== 1000) logger.warn({ subgraph: request.subgraph, code }, 'subgraph socket closed');
        },
      },
    });
    const socket = { client, upstreams: 0 };
    this.#sockets.set(socketKey, socket);
    return socket;
  }

  #errorsOf(request: UpstreamRequest, error: unknown): GraphQLFormattedError[] {
    if (isGraphQLErrorList(error)) return error;
    const code = closeCodeOf(error);
    if (code !== undefined && credentialsRefused.has(code)) {
      return [
        {
          message: 'The access token was refused; sign in again and resubscribe.',
          extensions: codedExtensions('UNAUTHENTICATED'),
        },
      ];
    }
    this.#options.logger.warn({ subgraph: request.subgraph, code, err: error }, 'subgraph subscription lost');
    return [
      {
        message: `The ${request.subgraph} service cannot be reached; resubscribe later.`,
        extensions: codedExtensions('SERVICE_UNAVAILABLE'),
      },
    ];
  }
}
