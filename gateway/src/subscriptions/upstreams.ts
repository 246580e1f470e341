// Why this file is long (about 460 lines): `UpstreamHub` owns every subgraph socket and every shared upstream
// of a gateway process, with their reference counts, reconnects and the per-viewer authorization cache. These
// maps change together (a socket that drops resubscribes the upstreams it carried; the last listener closes
// both), so they live in one class rather than in files that would have to keep each other consistent.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { ExecutionResult, GraphQLFormattedError } from 'graphql';
import {
  authorizedForAnySignedInViewer,
  gatewayCredentialHeader,
  gatewaySubscribeExtensions,
  type GatewaySubscribe,
} from '@curbside/auth';
import { codedExtensions } from '@curbside/errors';
import type { Logger } from '@curbside/service';

/**
 * Who an upstream subscription runs for: one viewer (their verified `Authorization` header, null when
 * anonymous), or every viewer of an operation that selects no `@viewerDependent` field (`shared`: the gateway's
 * own credential, each viewer authorized by the subgraph on their own first, see `UpstreamHub.authorize`).
 */
export type UpstreamCredential = { kind: 'viewer'; authorization: string | null } | { kind: 'shared' };

/** A subscription as sent to the subgraph that owns its root field. */
export interface UpstreamRequest {
  subgraph: string;
  /** The subgraph's graphql-ws URL (ws:// or wss://). */
  url: string;
  credential: UpstreamCredential;
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
   * gateway (they refuse the upgrade without it, and trust a shared upstream only with it). Default: none.
   */
  gatewaySecret?: string | undefined;
  /** The most sockets one gateway process opens to one subgraph. Default 4. */
  maxSocketsPerSubgraph?: number;
  /**
   * Subscriptions a socket carries before another is opened to the same subgraph (while fewer than
   * `maxSocketsPerSubgraph` are open; past that, the least loaded takes more). Default 1_000.
   */
  subscriptionsPerSocket?: number;
  /**
   * How long an answer that holds for every viewer of its kind is given to the next ones without asking the
   * subgraph again (see `authorize`). Default 1_000 (1 second).
   */
  authorizationReuseMs?: number;
}

/** Answers reused at most: each is a key and a time. */
const maxReusableAuthorizations = 10_000;

/** What the upstreams of one subgraph hold, for metrics. */
export interface SubgraphUpstreamStats {
  sockets: number;
  /** Upstream subscriptions under the gateway's credential, one per operation and variables. */
  sharedUpstreams: number;
  /** Upstream subscriptions for one viewer each (operations selecting a `@viewerDependent` field). */
  viewerUpstreams: number;
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
  /** `subgraph\nurl`: the pool it belongs to. */
  poolKey: string;
  subgraph: string;
  /** Subscriptions in flight on this socket (upstreams, replays, authorizations); closed when none is left. */
  load: number;
}

interface SharedUpstream {
  listeners: Set<UpstreamListener>;
  unsubscribe: () => void;
  socket: SubgraphSocket;
  request: UpstreamRequest;
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

/** Who the subgraph runs a subscription for, as its subscribe message says it (see `GatewaySubscribe`). */
function subscribeAs(credential: UpstreamCredential): GatewaySubscribe {
  return credential.kind === 'shared'
    ? { mode: 'shared' }
    : { mode: 'viewer', authorization: credential.authorization };
}

/** The operation and who it runs for: identical keys share one upstream. */
export const upstreamKeyOf = (request: UpstreamRequest) =>
  [
    request.subgraph,
    request.url,
    request.credential.kind === 'shared' ? 'shared' : `viewer:${request.credential.authorization ?? ''}`,
    request.operationName ?? '',
    request.query,
    canonicalJson(request.variables),
  ].join('\n');

/** A result standing for a refusal at subscribe time: errors and no data. */
const isRefusal = (result: ExecutionResult) => result.data == null && (result.errors?.length ?? 0) > 0;

/**
 * The gateway's subscriptions to subgraphs over graphql-ws, multiplexed on a few sockets per subgraph (at most
 * `maxSocketsPerSubgraph`): who each subscription runs for travels in its own subscribe message, not in the
 * socket's `connection_init`, so one socket carries every viewer's subscriptions. Identical subscriptions
 * (same subgraph, operation, variables and credential) share one upstream, reference counted: the last
 * listener to leave unsubscribes, and the last subscription on a socket closes it. A socket that drops
 * reconnects with backoff and resubscribes everything it carried; when it cannot, every listener gets an error
 * (never a silent complete).
 */
export class UpstreamHub {
  readonly #options: Required<Omit<UpstreamHubOptions, 'gatewaySecret'>>;
  readonly #webSocketImpl: WebSocketConstructor;
  /** Open sockets by `subgraph\nurl`. */
  readonly #pools = new Map<string, SubgraphSocket[]>();
  readonly #upstreams = new Map<string, SharedUpstream>();
  /** Authorizations in flight, by viewer and operation: the same viewer subscribing twice at once asks once. */
  readonly #authorizations = new Map<string, Promise<GraphQLFormattedError[] | null>>();
  /** Until when an allowing answer holds for every anonymous, or every signed-in, viewer of an operation. */
  readonly #reusable = new Map<string, number>();
  /** The first signed-in viewer's authorization in flight, by operation: others wait for it (see `authorize`). */
  readonly #probes = new Map<string, Promise<{ refusal: GraphQLFormattedError[] | null; anyViewer: boolean }>>();

  constructor(options: UpstreamHubOptions) {
    const { gatewaySecret, ...rest } = options;
    this.#options = {
      retryAttempts: 8,
      maxRetryWaitMs: 2_000,
      maxSocketsPerSubgraph: 4,
      subscriptionsPerSocket: 1_000,
      authorizationReuseMs: 1_000,
      ...rest,
    };
    this.#webSocketImpl = gatewaySecret
      ? webSocketWithHeaders({ [gatewayCredentialHeader]: gatewaySecret })
      : WebSocket;
  }

  /** Listens to the upstream for `request`, starting it when it is the first; returns the way to leave. */
  join(request: UpstreamRequest, listener: UpstreamListener): () => void {
    const key = upstreamKeyOf(request);
    let upstream = this.#upstreams.get(key);
    if (!upstream) upstream = this.#start(key, request);
    upstream.listeners.add(listener);
    const joined = upstream;
    return () => {
      if (!joined.listeners.delete(listener) || joined.listeners.size > 0) return;
      this.#stop(key, joined);
    };
  }

  /**
   * Whether the viewer whose `Authorization` header this is (null: anonymous) may subscribe to `request`'s
   * operation, by the owning subgraph's own rule (an `authorize` subscription, see `GatewaySubscribe`): null
   * when they may, else the errors refusing them, in the shape a client may see. The same viewer asking for
   * the same operation while an answer is on its way shares that answer. An allowing answer that holds for
   * every viewer of its kind (any anonymous one; any signed-in one when the subgraph says its rule read nothing
   * of the viewer, `authorizedForAnySignedInViewer`) is given to the next ones for `authorizationReuseMs`: a
   * thousand viewers coming back at once cost the subgraph a few questions, not a thousand. Their tokens were
   * verified by the gateway itself, and a change the rule would see (the vendor deleted) reaches them as it
   * reaches those already subscribed.
   */
  authorize(request: UpstreamRequest, authorization: string | null): Promise<GraphQLFormattedError[] | null> {
    const operationKey = upstreamKeyOf(request);
    const reuseKey = `${authorization === null ? 'anonymous' : 'signed-in'}\n${operationKey}`;
    const reusableUntil = this.#reusable.get(reuseKey);
    if (reusableUntil !== undefined && reusableUntil > Date.now()) return Promise.resolve(null);
    // Signed-in viewers coming together (a replica's clients resuming at once) would each ask before the first
    // answer could be reused: they wait for the first one in flight instead, and ask their own only when that
    // answer does not hold for every signed-in viewer (or failed).
    const probe = authorization === null ? undefined : this.#probes.get(reuseKey);
    if (probe) {
      const askOwn = () => this.#authorizeOwn(request, authorization, operationKey, reuseKey);
      return probe.then(({ refusal, anyViewer }) => (!refusal && anyViewer ? null : askOwn()), askOwn);
    }
    return this.#authorizeOwn(request, authorization, operationKey, reuseKey);
  }

  #authorizeOwn(
    request: UpstreamRequest,
    authorization: string | null,
    operationKey: string,
    reuseKey: string,
  ): Promise<GraphQLFormattedError[] | null> {
    const key = `${authorization ?? ''}\n${operationKey}`;
    let pending = this.#authorizations.get(key);
    if (!pending) {
      const asked = this.#askAuthorization(request, authorization);
      if (authorization !== null && !this.#probes.has(reuseKey)) {
        this.#probes.set(reuseKey, asked);
        const settled = () => {
          if (this.#probes.get(reuseKey) === asked) this.#probes.delete(reuseKey);
        };
        asked.then(settled, settled);
      }
      pending = asked
        .then(({ refusal, anyViewer }) => {
          if (!refusal && (authorization === null || anyViewer)) this.#reuse(reuseKey);
          return refusal;
        })
        .finally(() => this.#authorizations.delete(key));
      this.#authorizations.set(key, pending);
    }
    return pending;
  }

  /**
   * The events a subgraph kept for `request` in `range` (ids exclusive), fetched as a finite subscription on the
   * same sockets as live ones (`extensions.replay`, see the subgraph kit's `liveEvents`). Rejects with the errors
   * a client may see (SUBSCRIPTION_CANNOT_RESUME when the subgraph no longer holds them).
   */
  replay(request: UpstreamRequest, range: { after: string; before: string | null }): Promise<ExecutionResult[]> {
    const socket = this.#socketFor(request);
    socket.load++;
    const events: ExecutionResult[] = [];
    return new Promise<ExecutionResult[]>((resolve, reject) => {
      socket.client.subscribe(
        {
          query: request.query,
          operationName: request.operationName ?? null,
          variables: request.variables,
          extensions: { ...gatewaySubscribeExtensions(subscribeAs(request.credential)), replay: range },
        },
        {
          next: (event) => void events.push(event as ExecutionResult),
          error: (error) => reject(this.#errorsOf(request, error)),
          complete: () => resolve(events),
        },
      );
    }).finally(() => this.#release(socket));
  }

  /** Open upstream subscriptions and subgraph sockets, in all and per subgraph, for metrics and tests. */
  stats(): { upstreams: number; sockets: number; bySubgraph: Record<string, SubgraphUpstreamStats> } {
    const bySubgraph: Record<string, SubgraphUpstreamStats> = {};
    const of = (subgraph: string) => (bySubgraph[subgraph] ??= { sockets: 0, sharedUpstreams: 0, viewerUpstreams: 0 });
    let sockets = 0;
    for (const pool of this.#pools.values()) {
      for (const socket of pool) of(socket.subgraph).sockets++;
      sockets += pool.length;
    }
    for (const { request } of this.#upstreams.values()) {
      if (request.credential.kind === 'shared') of(request.subgraph).sharedUpstreams++;
      else of(request.subgraph).viewerUpstreams++;
    }
    return { upstreams: this.#upstreams.size, sockets, bySubgraph };
  }

  /** Remembers an answer for every viewer of its kind; the oldest go first past `maxReusableAuthorizations`. */
  #reuse(key: string): void {
    this.#reusable.delete(key);
    this.#reusable.set(key, Date.now() + this.#options.authorizationReuseMs);
    for (const [oldest, until] of this.#reusable) {
      if (until > Date.now() && this.#reusable.size <= maxReusableAuthorizations) break;
      this.#reusable.delete(oldest);
    }
  }

  async #askAuthorization(
    request: UpstreamRequest,
    authorization: string | null,
  ): Promise<{ refusal: GraphQLFormattedError[] | null; anyViewer: boolean }> {
    const socket = this.#socketFor(request);
    socket.load++;
    try {
      return await new Promise<{ refusal: GraphQLFormattedError[] | null; anyViewer: boolean }>((resolve) => {
        let settled = false;
        let anyViewer = false;
        let unsubscribe: () => void = () => undefined;
        const settle = (refusal: GraphQLFormattedError[] | null) => {
          if (settled) return;
          settled = true;
          resolve({ refusal, anyViewer });
          // Not from inside the sink: graphql-ws's client, unsubscribed while handling a message, counts its
          // socket's subscriptions down twice when the subgraph's `complete` for it was read in the same turn,
          // and closes the socket under the other subscriptions it carries. A turn later the `complete` has
          // either been read (and this does nothing) or will be ignored.
          setImmediate(() => unsubscribe());
        };
        unsubscribe = socket.client.subscribe(
          {
            query: request.query,
            operationName: request.operationName ?? null,
            variables: request.variables,
            extensions: gatewaySubscribeExtensions({ mode: 'authorize', authorization }),
          },
          {
            // A subgraph sends one result to refuse, or to say its answer holds for any signed-in viewer (then
            // completes); any other result (a subgraph that streams events instead of answering) is taken as
            // allowed, and that subscription is ended at once.
            next: (result) => {
              const event = result as ExecutionResult;
              if (isRefusal(event)) return settle([...event.errors!] as GraphQLFormattedError[]);
              if (event.extensions?.[authorizedForAnySignedInViewer] === true) {
                anyViewer = true;
                return;
              }
              settle(null);
            },
            error: (error) => settle(this.#errorsOf(request, error)),
            complete: () => settle(null),
          },
        );
      });
    } finally {
      this.#release(socket);
    }
  }

  #start(key: string, request: UpstreamRequest): SharedUpstream {
    const socket = this.#socketFor(request);
    socket.load++;
    const upstream: SharedUpstream = { listeners: new Set(), unsubscribe: () => undefined, socket, request };
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
      {
        query: request.query,
        operationName: request.operationName ?? null,
        variables: request.variables,
        extensions: gatewaySubscribeExtensions(subscribeAs(request.credential)),
      },
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
    this.#release(upstream.socket);
  }

  /** One subscription fewer on the socket: the last one leaving closes it. */
  #release(socket: SubgraphSocket): void {
    if (--socket.load > 0) return;
    const pool = this.#pools.get(socket.poolKey);
    const index = pool?.indexOf(socket) ?? -1;
    if (pool && index >= 0) {
      pool.splice(index, 1);
      if (pool.length === 0) this.#pools.delete(socket.poolKey);
    }
    void socket.client.dispose();
  }

  /**
   * The socket a new subscription to `request`'s subgraph goes on: the least loaded open one, unless all carry
   * `subscriptionsPerSocket` already and fewer than `maxSocketsPerSubgraph` are open (then a new one).
   */
  #socketFor(request: UpstreamRequest): SubgraphSocket {
    const poolKey = `${request.subgraph}\n${request.url}`;
    let pool = this.#pools.get(poolKey);
    if (!pool) this.#pools.set(poolKey, (pool = []));
    let least: SubgraphSocket | undefined;
    for (const socket of pool) if (!least || socket.load < least.load) least = socket;
    const { subscriptionsPerSocket, maxSocketsPerSubgraph } = this.#options;
    if (least && (least.load < subscriptionsPerSocket || pool.length >= maxSocketsPerSubgraph)) return least;
    const socket = this.#openSocket(request, poolKey);
    pool.push(socket);
    return socket;
  }

  #openSocket(request: UpstreamRequest, poolKey: string): SubgraphSocket {
    const { logger, retryAttempts, maxRetryWaitMs } = this.#options;
    const socket: SubgraphSocket = {
      client: undefined as unknown as Client,
      poolKey,
      subgraph: request.subgraph,
      load: 0,
    };
    socket.client = createClient({
      url: request.url,
      webSocketImpl: this.#webSocketImpl,
      // Nobody's token: each subscription says who it runs for (see `GatewaySubscribe`).
      connectionParams: {},
      // Opens with the first subscription; closing is ours (when the last subscription leaves).
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
            if (upstream.socket !== socket) continue;
            for (const listener of upstream.listeners) listener.reconnected?.();
          }
        },
        closed: (event) => {
          const code = closeCodeOf(event);
          if (code !== 1000) logger.warn({ subgraph: request.subgraph, code }, 'subgraph socket closed');
        },
      },
    });
    return socket;
  }

  #errorsOf(request: UpstreamRequest, error: unknown): GraphQLFormattedError[] {
    if (isGraphQLErrorList(error)) return error;
    const code = closeCodeOf(error);
    if (code !== undefined && credentialsRefused.has(code)) {
      this.#options.logger.error({ subgraph: request.subgraph, code }, 'subgraph refused the gateway socket');
      return [
        {
          message: `The ${request.subgraph} service refused the gateway; resubscribe later.`,
          extensions: codedExtensions('SERVICE_UNAVAILABLE'),
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
