/**
 * The gateway as a process on a supergraph file: a new valid supergraph is picked up under load with no failed
 * request, an invalid one is refused and the old one kept; on SIGTERM readiness goes false first while requests
 * are still served, then the process drains and exits.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  graphql,
  startProcess,
  startStack,
  stopProcess,
  waitFor,
  type GraphQLResponse,
  type ServiceProcess,
  type TestStack,
} from './index.ts';

const committedSupergraph = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));
let stack: TestStack;
let folder: string;

beforeAll(async () => {
  stack = await startStack();
  folder = mkdtempSync(join(tmpdir(), 'curbside-supergraph-'));
});
afterAll(async () => {
  await stack?.stop();
  rmSync(folder, { recursive: true, force: true });
});

async function startGateway(supergraphPath: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const subgraphUrls = Object.fromEntries(
    Object.entries(stack.subgraphUrls).map(([name, url]) => [`SUBGRAPH_URL_${name.toUpperCase()}`, url]),
  );
  return startProcess('gateway/src/main.ts', {
    ...subgraphUrls,
    SUPERGRAPH_PATH: supergraphPath,
    JWKS_URL: stack.jwksUrl,
    REDIS_URL: stack.redisUrl,
    REDIS_KEY_PREFIX: stack.redisKeyPrefix,
    RATE_LIMIT_ANONYMOUS_COST: String(Number.MAX_SAFE_INTEGER),
    ...env,
  });
}

const readiness = async (gatewayUrl: string) =>
  (await (await fetch(new URL('/ready', gatewayUrl))).json()) as {
    ready: boolean;
    supergraph?: string;
    draining?: boolean;
  };
const QUERY = '{ vendors(first: 3) { edges { node { name owner { username } } } } }';

describe('supergraph hot reload', () => {
  it('switches to a changed supergraph file under load with no failed request; refuses an invalid one', async () => {
    const path = join(folder, 'supergraph.graphql');
    copyFileSync(committedSupergraph, path);
    const gateway = await startGateway(path);
    try {
      const before = (await readiness(gateway.url)).supergraph;
      const responses: GraphQLResponse[] = [];
      let running = true;
      const load = (async () => {
        while (running) responses.push(await graphql(gateway.url, QUERY));
      })();

      const committed = readFileSync(committedSupergraph, 'utf8');
      const changed = committed.replace('Degrees, -180 to 180.', 'Degrees, from -180 to 180.');
      expect(changed).not.toBe(committed); // the change this test makes must be one
      writeFileSync(path, changed);
      const after = await waitFor('the new supergraph', async () => {
        const id = (await readiness(gateway.url)).supergraph;
        return id !== before ? id : null;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));

      writeFileSync(path, 'type Query { this is not a supergraph');
      await waitFor('the refusal in the log', async () => gateway.output.some((line) => /invalid: refused/.test(line)));
      expect((await readiness(gateway.url)).supergraph).toBe(after);
      await new Promise((resolve) => setTimeout(resolve, 300));
      running = false;
      await load;

      expect(responses.length).toBeGreaterThan(10);
      const failed = responses.filter((response) => response.status !== 200 || response.errors);
      expect(failed).toEqual([]);
    } finally {
      await stopProcess(gateway);
    }
  }, 60_000);
});

describe('request logs', () => {
  it('log one JSON line per request with its id, operation, client and duration, never variables or tokens', async () => {
    const gateway = await startGateway(committedSupergraph);
    try {
      const secret = 'a-secret-search-term';
      await graphql(
        gateway.url,
        'query FindThings($q: String!) { search(query: $q) { edges { cursor } } }',
        { q: secret },
        {
          headers: {
            'apollographql-client-name': 'web-app',
            'apollographql-client-version': '1.2.3',
            'x-request-id': 'log-check-1',
            authorization: 'Bearer not.a.valid-token',
          },
        },
      );
      await graphql(
        gateway.url,
        'query FindThings($q: String!) { search(query: $q) { edges { cursor } } }',
        { q: secret },
        {
          headers: {
            'apollographql-client-name': 'web-app',
            'apollographql-client-version': '1.2.3',
            'x-request-id': 'log-check-2',
          },
        },
      );
      const line = await waitFor('the request log line', async () =>
        gateway.output.find((entry) => entry.includes('"log-check-2"') && entry.includes('graphql request')),
      );
      expect(JSON.parse(line)).toMatchObject({
        requestId: 'log-check-2',
        operation: 'FindThings',
        clientName: 'web-app',
        clientVersion: '1.2.3',
        outcome: 'ok',
        durationMs: expect.any(Number),
      });
      const everything = gateway.output.join('\n');
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain('not.a.valid-token');
    } finally {
      await stopProcess(gateway);
    }
  }, 30_000);
});

describe('SIGTERM', () => {
  it('turns readiness false first while still serving, then drains and exits 0', async () => {
    const gateway = await startGateway(committedSupergraph, { SHUTDOWN_DELAY_MS: '1500' });
    expect((await readiness(gateway.url)).ready).toBe(true);
    gateway.child.kill('SIGTERM');
    await waitFor('readiness to turn false', async () => (await readiness(gateway.url)).draining === true, 1_000);
    const served = await graphql(gateway.url, QUERY);
    expect(served.status).toBe(200);
    expect(served.errors).toBeUndefined();
    expect(await gateway.exited).toBe(0);
  }, 30_000);
});
