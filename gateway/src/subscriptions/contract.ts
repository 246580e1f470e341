import type { DocumentNode, GraphQLFormattedError } from 'graphql';
import type { Viewer } from '@curbside/auth';
import type { ErrorCode } from '@curbside/errors';

/** A validated subscription operation from a client (over graphql-ws or multipart HTTP). */
export interface SubscriptionRequest {
  document: DocumentNode;
  /** The document's text: with the operation name, it identifies the plan and the shared hydration. */
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  /** The verified `Authorization` header (null when anonymous). */
  authorization: string | null;
  viewer: Viewer | null;
  requestId: string;
  /**
   * The `extensions.eventId` of the last event the client received before it lost its connection (validated):
   * it gets the events since, then live ones. Null for a fresh subscription.
   */
  lastEventId?: string | null;
  /** Called once when this client's stream ends, for any reason (the admission's caps release its slot). */
  onRelease?: () => void;
}

/**
 * Ends a client's stream with these errors. graphql-ws reports the first in its `error` message (with the
 * same `extensions`); multipart HTTP sends them all.
 */
export class SubscriptionEndedError extends Error {
  readonly extensions: Record<string, unknown>;
  readonly errors: GraphQLFormattedError[];

  constructor(errors: GraphQLFormattedError[]) {
    super(errors[0]?.message ?? 'The subscription ended.');
    this.errors = errors;
    this.extensions = { ...errors[0]?.extensions };
  }
}

export const subscriptionEnded = (code: ErrorCode, message: string) =>
  new SubscriptionEndedError([{ message, extensions: { code } }]);

export interface SubscriptionLimits {
  /** Events held per client subscription before the oldest is dropped. */
  queueCapacity: number;
  /** Events waiting to be hydrated per shared hydration before new ones are dropped. */
  maxPendingHydrations: number;
  /** The most graphql-ws sockets a gateway process opens to one subgraph (every viewer's subscriptions share them). */
  maxSocketsPerSubgraph: number;
  /**
   * How long the owning subgraph's answer that any (anonymous, or signed-in) viewer may subscribe to an operation
   * is given to the next viewers without asking again, in ms.
   */
  authorizationReuseMs: number;
}

export const defaultSubscriptionLimits: SubscriptionLimits = {
  queueCapacity: 100,
  maxPendingHydrations: 1_000,
  maxSocketsPerSubgraph: 4,
  authorizationReuseMs: 1_000, // 1 second
};

/** What a gateway process holds towards one subgraph. */
export interface SubgraphSubscriptionStats {
  /** Open graphql-ws sockets to it (every viewer's subscriptions share them). */
  sockets: number;
  /** Upstream subscriptions under the gateway's credential, one per operation and variables. */
  sharedUpstreams: number;
  /** Upstream subscriptions for one viewer each (operations selecting a `@viewerDependent` field). */
  viewerUpstreams: number;
  /** Client subscriptions served by its shared upstreams, and the most on one of them. */
  sharedViewers: number;
  maxViewersPerSharedUpstream: number;
}

export interface SubscriptionStats {
  /** Client subscriptions open on this process. */
  subscriptions: number;
  /** Distinct hydrations serving them: per (operation, variables), and per viewer when viewer-dependent. */
  hydrations: number;
  /** Those shared by every viewer of an operation selecting no `@viewerDependent` field, and their clients. */
  sharedHydrations: number;
  sharedViewers: number;
  /** Viewers of shared upstreams whose authorization by the owning subgraph is on its way. */
  authorizing: number;
  upstreams: number;
  upstreamSockets: number;
  /** Events dropped for slow clients since start. */
  droppedEvents: number;
  /** Events not hydrated because a hydration fell too far behind, since start. */
  droppedHydrations: number;
  /** Subscriptions that resumed with `lastEventId` since start, and those of them ended by a refused replay. */
  resumes: number;
  refusedResumes: number;
  /**
   * Subscriptions carried over to a new supergraph by its reloads since start (planned again, going on from their
   * last event), and those the new schema rejected (ended with SUBSCRIPTION_SCHEMA_RELOAD).
   */
  reloadContinued: number;
  reloadEnded: number;
}
