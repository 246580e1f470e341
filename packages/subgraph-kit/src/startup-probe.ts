import { createServer } from 'node:http';
import { closeServer, listen, sendGraphQLError, sendJson } from '@curbside/http';

/** What a process that is starting answers on its port until its subgraph takes the port over. */
export interface StartupProbe {
  /** Changes the reason /ready gives. */
  report(reason: string): void;
  /** Frees the port; idempotent. */
  close(): Promise<void>;
}

/**
 * Serves `/health` (200: the process runs) and `/ready` (503 with `reason`: why it does not serve yet, such as
 * migrations not applied) on the subgraph's port while it waits at start, so an orchestrator sees why it is
 * unready rather than a refused connection; everything else gets 503 SERVICE_UNAVAILABLE. Production only:
 * there a subgraph waits for `pnpm migrate` rather than migrating.
 */
export async function startStartupProbe(options: {
  service: string;
  port: number;
  host: string;
  reason: string;
}): Promise<StartupProbe & { port: number }> {
  let reason = options.reason;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    req.resume();
    // Connections close after each answer, so the port is free the moment the subgraph takes it over.
    const close = { connection: 'close' };
    if (path === '/health') return sendJson(res, 200, { status: 'ok', service: options.service }, close);
    if (path === '/ready') return sendJson(res, 503, { ready: false, service: options.service, reason }, close);
    sendGraphQLError(res, 'SERVICE_UNAVAILABLE', `${options.service} is starting: ${reason}`, {}, close);
  });
  const port = await listen(server, options.port, options.host);
  let closing: Promise<void> | undefined;
  return {
    port,
    report(next) {
      reason = next;
    },
    close() {
      closing ??= closeServer(server);
      return closing;
    },
  };
}
