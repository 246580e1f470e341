import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The gateway's Prometheus metrics, served at /metrics. One registry per gateway instance (tests run several
 * in one process), with the process's own metrics (memory, event loop lag).
 */
export function createGatewayMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'curbside_gateway_' });
  const metric = <T>(make: (registers: Registry[]) => T) => make([registry]);
  return {
    registry,
    requests: metric(
      (registers) =>
        new Counter({
          name: 'curbside_gateway_requests_total',
          help: 'GraphQL requests by operation name and outcome (ok, error, refused).',
          labelNames: ['operation', 'outcome'] as const,
          registers,
        }),
    ),
    requestSeconds: metric(
      (registers) =>
        new Histogram({
          name: 'curbside_gateway_request_duration_seconds',
          help: 'GraphQL request latency by operation name.',
          labelNames: ['operation'] as const,
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers,
        }),
    ),
    operationCost: metric(
      (registers) =>
        new Histogram({
          name: 'curbside_gateway_operation_cost',
          help: 'Estimated cost of admitted and refused operations (the demand-control estimate), by operation type.',
          labelNames: ['operation'] as const,
          buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 50_000],
          registers,
        }),
    ),
    operationsShared: metric(
      (registers) =>
        new Counter({
          name: 'curbside_gateway_operations_shared_total',
          help: 'Queries answered by an identical query already executing (SHARE_IN_FLIGHT_OPERATIONS=on).',
          registers,
        }),
    ),
    subgraphFetchesShared: metric(
      (registers) =>
        new Counter({
          name: 'curbside_gateway_subgraph_fetches_shared_total',
          help: 'Subgraph query fetches answered by an identical fetch already in flight (same operation, variables and credentials), by subgraph.',
          labelNames: ['subgraph'] as const,
          registers,
        }),
    ),
    subgraphFetchSeconds: metric(
      (registers) =>
        new Histogram({
          name: 'curbside_gateway_subgraph_fetch_duration_seconds',
          help: 'Fetches from the gateway to each subgraph, by outcome.',
          labelNames: ['subgraph', 'outcome'] as const,
          buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
          registers,
        }),
    ),
    circuitState: metric(
      (registers) =>
        new Gauge({
          name: 'curbside_gateway_circuit_open',
          help: '1 while the circuit to a subgraph is open (fetches refused at once), else 0.',
          labelNames: ['subgraph'] as const,
          registers,
        }),
    ),
    rateLimited: metric(
      (registers) =>
        new Counter({
          name: 'curbside_gateway_rate_limited_total',
          help: 'Requests refused by a rate limit, by limit.',
          labelNames: ['limit'] as const,
          registers,
        }),
    ),
    rateLimitUnavailable: metric(
      (registers) =>
        new Counter({
          name: 'curbside_gateway_rate_limit_unavailable_total',
          help: 'Requests let through unchecked because Redis could not be reached (the limits fail open).',
          registers,
        }),
    ),
    webSocketConnections: metric(
      (registers) =>
        new Gauge({ name: 'curbside_gateway_websocket_connections', help: 'Open client WebSockets.', registers }),
    ),
    subscriptions: metric(
      (registers) =>
        new Gauge({ name: 'curbside_gateway_subscriptions', help: 'Open client subscriptions.', registers }),
    ),
    droppedSubscriptionEvents: metric(
      (registers) =>
        new Gauge({
          name: 'curbside_gateway_subscription_events_dropped',
          help: 'Events dropped for slow subscribers since start.',
          registers,
        }),
    ),
    upstreamSockets: metric(
      (registers) =>
        new Gauge({
          name: 'curbside_gateway_upstream_sockets',
          help: "Open graphql-ws sockets to each subgraph (all viewers' subscriptions are multiplexed on them).",
          labelNames: ['subgraph'] as const,
          registers,
        }),
    ),
    upstreamSubscriptions: metric(
      (registers) =>
        new Gauge({
          name: 'curbside_gateway_upstream_subscriptions',
          help:
            'Open subscriptions to each subgraph, by sharing: shared (one per operation and variables, for every ' +
            'viewer) or viewer (one per viewer: the operation selects a @viewerDependent field).',
          labelNames: ['subgraph', 'sharing'] as const,
          registers,
        }),
    ),
    sharedHydrations: metric(
      (registers) =>
        new Gauge({
          name: 'curbside_gateway_subscription_shared_hydrations',
          help: "Hydrations (completions of events with other subgraphs' fields) shared by every viewer.",
          registers,
        }),
    ),
    sharedUpstreamViewers: metric(
      (registers) =>
        new Gauge({
          name: 'curbside_gateway_shared_upstream_viewers',
          help:
            'Client subscriptions served by the shared upstreams of each subgraph (divide by ' +
            'curbside_gateway_upstream_subscriptions{sharing="shared"} for viewers per shared upstream).',
          labelNames: ['subgraph'] as const,
          registers,
        }),
    ),
    maxSharedUpstreamViewers: metric(
      (registers) =>
        new Gauge({
          name: 'curbside_gateway_shared_upstream_viewers_max',
          help: 'The most client subscriptions served by one shared upstream of each subgraph.',
          labelNames: ['subgraph'] as const,
          registers,
        }),
    ),
    subscriptionResumes: metric(
      (registers) =>
        new Gauge({
          name: 'curbside_gateway_subscription_resumes',
          help: 'Subscriptions resumed with lastEventId since start, by outcome (refused: the replay was refused).',
          labelNames: ['outcome'] as const,
          registers,
        }),
    ),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

/** The label of operations whose name did not make it into the set of known ones (see `makeOperationLabel`). */
export const otherOperationsLabel = '(other)';

/**
 * Operation names as a metric label, bounded: a label value is a series kept for the life of the process, so
 * only the first `maxNames` distinct names (default 200) get their own; later ones share `(other)`. Callers pass
 * only names of documents that parsed and validated, so junk never takes a place.
 */
export function makeOperationLabel(maxNames = 200): (name: string) => string {
  const known = new Set<string>();
  return (name) => {
    if (known.has(name)) return name;
    if (known.size >= maxNames) return otherOperationsLabel;
    known.add(name);
    return name;
  };
}
