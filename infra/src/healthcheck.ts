/**
 * `node infra/dist/healthcheck.js`: the image's HEALTHCHECK. Exits 0 when the deployable in this container
 * answers /ready within 2.5 seconds, else 1. It asks PORT (as the deployable reads it); unset, the default port
 * of the deployable the container runs (its PID 1's command line), else the gateway's.
 */
import { readFileSync } from 'node:fs';
import { gatewayService, subgraphServices, workersProbePort } from './services.ts';

function defaultPort(): number {
  let command = '';
  try {
    command = readFileSync('/proc/1/cmdline', 'utf8').replaceAll('\0', ' ');
  } catch {
    // not Linux, or no /proc: the gateway's port
  }
  const subgraph = subgraphServices.find((service) => command.includes(`subgraphs/${service.name}/dist/`));
  if (subgraph) return subgraph.port;
  if (command.includes('workers/dist/')) return workersProbePort;
  return gatewayService.port;
}

const port = process.env['PORT'] || String(defaultPort());
fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(2_500) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
