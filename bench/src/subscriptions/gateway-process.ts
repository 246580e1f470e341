/** The gateway measured by `bench:subscriptions`: a process of its own, as deployed, and its /metrics. */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import type { ProcessStack } from '@curbside/e2e';
import { readyUrl, spawnTsx, terminate } from '../common/processes.ts';
import { gatewayProfileDir } from './config.ts';
import { reloadOf, type ReloadLog } from './reload.ts';

/**
 * The token the gateway process serves /metrics with: it runs with NODE_ENV=production, where /metrics answers
 * only a scraper sending it (404 without one configured).
 */
const metricsToken = randomBytes(24).toString('hex');

/**
 * The gateway's Prometheus samples (/metrics), by name with their labels as written
 * (`curbside_gateway_upstream_sockets{subgraph="location"}`); empty when it does not answer within 5 s.
 */
export async function gatewayMetrics(gatewayUrl: string): Promise<Map<string, number>> {
  try {
    const response = await fetch(new URL('/metrics', gatewayUrl), {
      headers: { authorization: `Bearer ${metricsToken}` },
      signal: AbortSignal.timeout(5_000),
    });
    const samples = new Map<string, number>();
    for (const line of (await response.text()).split('\n')) {
      const [, name, value] = /^([a-z_][a-z0-9_]*(?:\{[^}]*\})?) (\S+)$/.exec(line) ?? [];
      if (name && value) samples.set(name, Number(value));
    }
    return samples;
  } catch {
    return new Map();
  }
}

export interface GatewayProcess {
  pid: number;
  /**
   * Runs a full garbage collection in the gateway (through its inspector, on loopback) and waits for it, so a
   * memory reading counts what the gateway holds, not garbage it has not collected yet: without it, readings of
   * the same run differed by a fifth from one run to the next, with the timing of collections.
   */
  collectGarbage(): Promise<void>;
  /** The gateway's HTTP URL, as its ready line gives it. */
  url: string;
  /** The gateway's graphql-ws endpoint. */
  wsUrl: string;
  /** Its supergraph reloads, from its log, as they come. */
  reloads: ReloadLog;
  stop(): Promise<void>;
}

/**
 * Starts `gateway/src/main.ts` as its own process on an OS-chosen port, pointed at the stack's subgraph processes,
 * on the supergraph at `supergraphPath` (default: the committed one).
 */
export async function startGatewayProcess(stack: ProcessStack, supergraphPath?: string): Promise<GatewayProcess> {
  const profile = gatewayProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${gatewayProfileDir}`] : [];
  // The inspector on a port of the OS's choosing, for `collectGarbage` only (its address is read from stderr).
  const nodeArgs = [...profile, '--inspect=127.0.0.1:0'];
  const subgraphEnv = Object.fromEntries(
    Object.entries(stack.subgraphs).map(([name, { url }]) => [`SUBGRAPH_URL_${name.toUpperCase()}`, url]),
  );
  const entry = new URL('../../../gateway/src/main.ts', import.meta.url);
  const child = spawnTsx(
    entry,
    [],
    {
      env: {
        ...process.env,
        ...subgraphEnv,
        PORT: '0',
        HOST: '127.0.0.1',
        JWKS_URL: new URL('/.well-known/jwks.json', stack.subgraphs.user.url).toString(),
        REDIS_KEY_PREFIX: stack.redisKeyPrefix,
        NODE_ENV: 'production',
        // As the production image sets it (infra/Dockerfile): two malloc arenas, not one per thread of the pool.
        MALLOC_ARENA_MAX: '2',
        // Required in production; the subgraph processes run in development without one, so they do not check it.
        GATEWAY_SECRET: randomBytes(32).toString('hex'),
        METRICS_TOKEN: metricsToken,
        // The load client gives each subscriber its own address in X-Forwarded-For (see client/sockets.ts).
        TRUST_PROXY: 'true',
        // The URL is only in the ready line, logged at info; the gateway logs nothing per request at info.
        LOG_LEVEL: 'info',
        ...(supergraphPath ? { SUPERGRAPH_PATH: supergraphPath } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
    nodeArgs,
  );
  const inspectorUrl = new Promise<string>((resolve) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const listening = /Debugger listening on (ws:\/\/\S+)/.exec(line);
      if (listening) resolve(listening[1]!);
      else if (!/^For help, see: |^Debugger attached|^Waiting for the debugger/.test(line)) console.error(line);
    });
  });
  const stop = () => terminate(child);
  const reloads: ReloadLog = [];
  try {
    const url = await readyUrl(child, {
      name: 'gateway',
      readyText: 'gateway ready',
      timeoutMessage: 'the gateway process was not ready within 60 s',
      onLine: (line) => {
        if (/"level":(4|5|6)\d/.test(line)) console.error(`[gateway] ${line}`);
        const reload = reloadOf(line);
        if (reload) reloads.push(reload);
      },
    });
    const collectGarbage = async () => runInspectorCommand(await inspectorUrl, 'HeapProfiler.collectGarbage');
    return { pid: child.pid!, url, wsUrl: url.replace(/^http/, 'ws'), reloads, stop, collectGarbage };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Sends one command to a process's inspector and waits for its answer (10 s at most). */
async function runInspectorCommand(inspectorUrl: string, method: string): Promise<void> {
  const socket = new WebSocket(inspectorUrl);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer from the inspector in 10 s`)), 10_000);
      socket.once('error', reject);
      socket.once('open', () => socket.send(JSON.stringify({ id: 1, method })));
      socket.on('message', (raw) => {
        if ((JSON.parse(raw.toString()) as { id?: number }).id !== 1) return;
        clearTimeout(timer);
        resolve();
      });
    });
  } finally {
    socket.close();
  }
}
