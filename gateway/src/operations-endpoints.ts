import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendCodedJson, sendJson } from '@curbside/http';
import type { GatewayMetrics } from './metrics.ts';
import type { SubgraphSubscriptionStats, SubscriptionStats } from './subscriptions/service.ts';

export interface OperationsEndpointsOptions {
  metrics: GatewayMetrics;
  /** In production /metrics and /ready's details need `token`. */
  production: boolean;
  /** The bearer token of scrapers and operators; unset in production: /metrics is not served. */
  token: string | undefined;
  readinessTimeoutMs: number;
  /** Subgraph name to URL, as the supergraph resolved them (reachability is a detail of /ready, see below). */
  subgraphs: () => ReadonlyMap<string, string>;
  /** Sent with every readiness probe (the gateway credential, for subgraphs that answer only the gateway). */
  probeHeaders: Record<string, string>;
  supergraphId: () => string;
  /**
   * Whether a supergraph is loaded, and so queries can be planned: what readiness means for the gateway. A
   * subgraph that is down fails only its own fields (the others still answer), so it never makes the gateway
   * unready: under an orchestrator, that would turn one subgraph's outage into the whole API's.
   */
  supergraphLoaded: () => boolean;
  draining: () => boolean;
  gauges: () => SubscriptionStats & { connections: number };
  /** What the subscriptions hold towards each subgraph, by subgraph name. */
  subgraphGauges: () => Record<string, SubgraphSubscriptionStats>;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * /health, /ready and /metrics. Outside production they are open. In production the public listener tells
 * anyone only whether the gateway is alive and ready: the metrics (operation names, subgraph names, load) and
 * the readiness details (which subgraph is down) are for a caller with `Authorization: Bearer <token>`.
 */
export function makeOperationsEndpoints(options: OperationsEndpointsOptions) {
  const { metrics } = options;
  const expected = options.token ? digest(options.token) : null;

  /** Whether the caller may see the private details. */
  function trusted(req: IncomingMessage): boolean {
    if (!options.production) return true;
    if (!expected) return false;
    const header = req.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
    // Hashed first, so the comparison takes as long whatever the length of what was sent.
    return timingSafeEqual(digest(header.slice('Bearer '.length)), expected);
  }

  async function probeSubgraphs(): Promise<Record<string, boolean>> {
    const results = await Promise.all(
      [...options.subgraphs()].map(async ([name, url]) => {
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...options.probeHeaders },
            body: '{"query":"{ __typename }"}',
            signal: AbortSignal.timeout(options.readinessTimeoutMs),
          });
          return [name, response.ok] as const;
        } catch {
          return [name, false] as const;
        }
      }),
    );
    return Object.fromEntries(results);
  }

  return {
    /** Answers `path` when it is one of these endpoints; false otherwise. */
    async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
      if (path === '/health') {
        sendJson(res, 200, { status: 'ok' });
        return true;
      }
      if (path === '/metrics') {
        if (!trusted(req)) {
          if (expected) sendCodedJson(res, 'UNAUTHENTICATED', 'Send the metrics token.');
          else sendJson(res, 404, { error: 'not found' });
          return true;
        }
        const stats = options.gauges();
        metrics.webSocketConnections.set(stats.connections);
        metrics.subscriptions.set(stats.subscriptions);
        metrics.droppedSubscriptionEvents.set(stats.droppedEvents);
        metrics.subscriptionResumes.set({ outcome: 'refused' }, stats.refusedResumes);
        metrics.subscriptionResumes.set({ outcome: 'resumed' }, stats.resumes - stats.refusedResumes);
        metrics.sharedHydrations.set(stats.sharedHydrations);
        // Labels are subgraph names from the supergraph (a handful); a subgraph with nothing open reads 0.
        const bySubgraph = options.subgraphGauges();
        for (const name of options.subgraphs().keys()) {
          const held = bySubgraph[name];
          metrics.upstreamSockets.set({ subgraph: name }, held?.sockets ?? 0);
          metrics.upstreamSubscriptions.set({ subgraph: name, sharing: 'shared' }, held?.sharedUpstreams ?? 0);
          metrics.upstreamSubscriptions.set({ subgraph: name, sharing: 'viewer' }, held?.viewerUpstreams ?? 0);
          metrics.sharedUpstreamViewers.set({ subgraph: name }, held?.sharedViewers ?? 0);
          metrics.maxSharedUpstreamViewers.set({ subgraph: name }, held?.maxViewersPerSharedUpstream ?? 0);
        }
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(await metrics.registry.metrics());
        return true;
      }
      if (path === '/ready') {
        if (options.draining()) {
          sendJson(res, 503, { ready: false, draining: true });
          return true;
        }
        const ready = options.supergraphLoaded();
        // Which subgraphs answer is for an operator to read (only with the token in production); it is probed
        // only for them, and never decides readiness.
        const details = trusted(req)
          ? { supergraphLoaded: ready, supergraph: options.supergraphId(), subgraphs: await probeSubgraphs() }
          : {};
        sendJson(res, ready ? 200 : 503, { ready, ...details });
        return true;
      }
      return false;
    },
  };
}
