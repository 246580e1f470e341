import { createServer } from 'node:http';
import { closeServer, listen, sendCodedJson, sendJson } from '@curbside/http';
import { serveMetrics, type MetricsEndpoint } from '@curbside/service';

/** What /ready reports: whether the workers take jobs, and why not. */
export interface WorkersReadiness {
  ready: boolean;
  reason?: string;
}

/** The workers' probe endpoint, started before anything else so an orchestrator sees the process alive. */
export interface WorkersProbe {
  port: number;
  close(): Promise<void>;
}

/** How long /ready waits for its check: 1 second (a probe that hangs is a failed probe). */
const checkTimeoutMs = 1_000;

/**
 * The workers have no API, so a small HTTP server gives an orchestrator their probes: `/health` (200 while the
 * process runs: liveness) and `/ready` (200 once the workers consume their queues and `check` passes, 503 with
 * the reason otherwise: starting, stopping, Redis unreachable), and `/metrics` when given. Anything else is 404. Nothing here is secret:
 * the answers name no host and no queue.
 */
export async function startWorkersProbe(options: {
  port: number;
  host: string;
  check: () => Promise<WorkersReadiness>;
  /** Served at /metrics (in production only with the metrics token). Default none: /metrics is 404. */
  metrics?: MetricsEndpoint;
}): Promise<WorkersProbe> {
  const { metrics } = options;
  const server = createServer((req, res) => {
    req.resume();
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/health') return sendJson(res, 200, { status: 'ok', service: 'workers' });
    if (path === '/metrics' && metrics) {
      void serveMetrics(metrics, req, res, (refused, tokenSet) =>
        tokenSet
          ? sendCodedJson(refused, 'UNAUTHENTICATED', 'Send the metrics token.')
          : sendJson(refused, 404, { error: 'not found' }),
      ).catch(() => res.destroy());
      return;
    }
    if (path !== '/ready') return sendJson(res, 404, { error: 'not found' });
    const timeout = new Promise<WorkersReadiness>((resolve) => {
      setTimeout(() => resolve({ ready: false, reason: 'readiness check timed out' }), checkTimeoutMs).unref();
    });
    void Promise.race([options.check(), timeout]).then(
      (readiness) => sendJson(res, readiness.ready ? 200 : 503, { ...readiness, service: 'workers' }),
      (error: unknown) =>
        sendJson(res, 503, { ready: false, reason: (error as Error).message || 'check failed', service: 'workers' }),
    );
  });
  const port = await listen(server, options.port, options.host);
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= closeServer(server);
      return closing;
    },
  };
}
