import type { ConnectionOptions } from 'bullmq';
import type { Clock } from '@curbside/async';
import type { AccessTokenVerifier, AccountBlocklist } from '@curbside/auth';
import type { RedisClient } from '@curbside/redis';
import type { Logger } from '@curbside/service';
import type { AdmissionLimits } from './admission.ts';
import type { OperationLimits } from './operation-limits.ts';
import type { DocumentManifest, PersistedDocumentsMode } from './persisted-documents.ts';
import type { RateLimits } from './rate-limit.ts';
import type { SubgraphFetchPolicy } from './subgraph-source.ts';
import type { SubgraphSubscriptionStats, SubscriptionLimits, SubscriptionStats } from './subscriptions/service.ts';
import type { WebSocketLimits } from './subscriptions/websocket.ts';

/** What `createGateway` takes: every option has its default written here, with its unit. */
export interface GatewayOptions {
  /** The supergraph SDL (any valid one, not only Curbside's). */
  supergraphSdl: string;
  /** Subgraph name to URL, overriding the supergraph's `@join__graph(url:)`. */
  subgraphUrls?: Record<string, string>;
  verifyAccessToken: AccessTokenVerifier;
  logger: Logger;
  /** Production: no Sandbox, no introspection, no cost in responses, metrics and readiness details private. */
  production: boolean;
  corsOrigins?: string[];
  /** Timeout of the readiness probe sent to each subgraph. Default 2 seconds. */
  readinessTimeoutMs?: number;
  /** What one operation may ask for (depth, aliases, cost...), over HTTP and WebSocket alike. */
  operationLimits?: Partial<OperationLimits>;
  /** Document size and subscription caps (per caller, per process), on every transport. */
  admissionLimits?: Partial<AdmissionLimits>;
  /**
   * On close, how long /ready answers 503 while requests are still served, before the gateway stops accepting
   * (the time a load balancer needs to notice). Default 0.
   */
  shutdownDelayMs?: number;
  /** On close, how long in-flight requests may take to finish before their connections are cut. Default 10 s. */
  drainTimeoutMs?: number;
  /** Timeout and circuit breaking of subgraph fetches. */
  subgraphFetchPolicy?: Partial<SubgraphFetchPolicy>;
  /**
   * Identical queries in flight (same document, operation, variables and credentials) share one execution;
   * each request is still admitted, limited and charged on its own (gateway/src/in-flight-operations.ts).
   * Default false.
   */
  shareInFlightOperations?: boolean;
  /** Redis for rate limits shared by every gateway; without it, no rate limits. */
  redis?: RedisClient;
  /**
   * Suspended and closed accounts (kept by the user subgraph): their open subscriptions end within about 2 s with
   * the error a new request of theirs gets. Default: none (they end when their token expires).
   */
  accountBlocklist?: AccountBlocklist;
  rateLimits?: Partial<RateLimits>;
  /** The clock of the rate-limit windows (each a minute). Default the system clock; tests pass a manual one. */
  clock?: Clock;
  /**
   * Proxies in front of the gateway that append to `X-Forwarded-For`: the client is that many entries from the
   * right. `true` is one proxy. Default 0 (false): the socket's address.
   */
  trustProxy?: boolean | number;
  /** Trusted documents: off (default), allow (ids also accepted) or safelist (only they run). */
  persistedDocuments?: { mode: PersistedDocumentsMode; manifest: DocumentManifest | null };
  /** Characters of documents the APQ cache keeps (in this process). Default 16 Mi. */
  apqCacheSize?: number;
  /** The workers' queues (BullMQ connection and key prefix): served as a dashboard to admins at /admin/queues. */
  queues?: { connection: ConnectionOptions; prefix: string };
  /** Limits of subscriptions (queues, sockets, per-connection cap); defaults in subscriptions/. */
  subscriptionLimits?: Partial<SubscriptionLimits & WebSocketLimits>;
  /** Sent to every subgraph (`x-curbside-gateway`), which then answers only the gateway. Default: none. */
  gatewaySecret?: string;
  /**
   * The bearer token that reads /metrics and /ready's details in production (scrapers send
   * `Authorization: Bearer <token>`). Unset in production: /metrics answers 404 and /ready only its status.
   * Outside production both are open.
   */
  metricsToken?: string;
}

export interface Gateway {
  /** Binds the port (0: OS-chosen) and returns the GraphQL endpoint URL. */
  listen(port: number, host?: string): Promise<string>;
  /**
   * Switches to another supergraph without a restart; throws, keeping the current one, when it is invalid.
   * Active subscriptions go on, planned again on the new schema, from their last event with none missed or
   * repeated; only those whose operation the new schema rejects end, with SUBSCRIPTION_SCHEMA_RELOAD.
   */
  reloadSupergraph(supergraphSdl: string): void;
  /** What the subscription machinery holds right now. */
  subscriptionStats(): SubscriptionStats & { connections: number };
  /** What the subscriptions hold towards each subgraph (sockets, upstreams, viewers of shared upstreams). */
  subscriptionStatsBySubgraph(): Record<string, SubgraphSubscriptionStats>;
  /** Stops accepting, closes WebSockets (1001), ends multipart subscriptions, drains, stops Apollo; idempotent. */
  close(): Promise<void>;
}
