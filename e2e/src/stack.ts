/**
 * Boots the whole stack in-process for tests and benchmarks: each subgraph on its own fresh database
 * and an OS-chosen port, a counting proxy in front of each subgraph, and the gateway on the committed
 * supergraph with the subgraph URLs pointed at the proxies.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { makeAccessTokenVerifier, remoteKeySet } from '@curbside/auth';
import { createGateway, type Gateway } from '@curbside/gateway';
import { closeServer, listen } from '@curbside/http';
import { createLogger } from '@curbside/service';
import { databaseUrl, defaultPostgresUrl, ensureDatabase, type SubgraphServer } from '@curbside/subgraph-kit';
import { createUserSubgraph } from '@curbside/user-subgraph';
import { createVendorSubgraph } from '@curbside/vendor-subgraph';
import { SqlRecorder } from './sql-recorder.ts';

export const subgraphNames = ['user', 'vendor'] as const;
export type SubgraphName = (typeof subgraphNames)[number];

export const postgresUrl = process.env['POSTGRES_URL'] ?? defaultPostgresUrl;

/** Prefix of every database a test run creates; the run's global teardown drops them. */
export function testDatabasePrefix(): string {
  const runId = process.env['CURBSIDE_TEST_RUN'];
  if (!runId) throw new Error('CURBSIDE_TEST_RUN is not set: run tests through vitest (see vitest.config.ts)');
  return `curbside_t_${runId}_`;
}

export interface TestStack {
  gatewayUrl: string;
  /** Direct URLs of the subgraphs (bypassing the proxies). */
  subgraphUrls: Record<SubgraphName, string>;
  jwksUrl: string;
  /** SQL sent by each subgraph. */
  sql: Record<SubgraphName, SqlRecorder>;
  /** HTTP requests that reached each subgraph through the gateway. */
  subgraphRequests: Record<SubgraphName, number>;
  /** Database URLs, for assertions on rows. */
  databases: Record<SubgraphName, string>;
  resetCounters(): void;
  stop(): Promise<void>;
}

/** An HTTP proxy that counts requests, so a test can prove the gateway called no subgraph. */
async function countingProxy(target: string, onRequest: () => void): Promise<{ url: string; server: Server }> {
  const targetUrl = new URL(target);
  const server = createServer((req, res) => {
    onRequest();
    const upstream = httpRequest(
      { host: targetUrl.hostname, port: targetUrl.port, path: req.url, method: req.method, headers: req.headers },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  const port = await listen(server, 0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}${targetUrl.pathname}`, server };
}

export interface StackOptions {
  /** Log level of every service. Default silent. */
  logLevel?: string;
  /** Put a counting proxy in front of each subgraph. Default true; benchmarks turn it off to skip the hop. */
  countSubgraphRequests?: boolean;
}

export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  const id = randomBytes(3).toString('hex');
  const logger = createLogger('test-stack', options.logLevel ?? 'silent');
  const databases = {} as Record<SubgraphName, string>;
  for (const name of subgraphNames) {
    const database = `${testDatabasePrefix()}${id}_${name}`;
    await ensureDatabase(postgresUrl, database);
    databases[name] = databaseUrl(postgresUrl, database);
  }
  const sql = { user: new SqlRecorder(), vendor: new SqlRecorder() };
  const subgraphRequests = { user: 0, vendor: 0 };
  const stoppables: { close(): Promise<void> }[] = [];
  try {
    const user = await createUserSubgraph({
      databaseUrl: databases.user,
      logger: logger.child({ service: 'user' }),
      onQuery: (text) => sql.user.record(text),
    });
    stoppables.push(user);
    const userUrl = await user.listen(0);
    const jwksUrl = new URL('/.well-known/jwks.json', userUrl).toString();
    const verifyAccessToken = makeAccessTokenVerifier(remoteKeySet(jwksUrl));
    const vendor: SubgraphServer = await createVendorSubgraph({
      databaseUrl: databases.vendor,
      logger: logger.child({ service: 'vendor' }),
      verifyAccessToken,
      onQuery: (text) => sql.vendor.record(text),
    });
    stoppables.push(vendor);
    const vendorUrl = await vendor.listen(0);

    const subgraphUrls = { user: userUrl, vendor: vendorUrl };
    const proxied: Record<string, string> = { ...subgraphUrls };
    for (const name of options.countSubgraphRequests === false ? [] : subgraphNames) {
      const proxy = await countingProxy(subgraphUrls[name], () => void subgraphRequests[name]++);
      stoppables.push({ close: () => closeServer(proxy.server) });
      proxied[name] = proxy.url;
    }
    const supergraphPath = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));
    const gateway: Gateway = await createGateway({
      supergraphSdl: readFileSync(supergraphPath, 'utf8'),
      subgraphUrls: proxied,
      verifyAccessToken,
      logger: logger.child({ service: 'gateway' }),
      production: false,
    });
    stoppables.unshift(gateway);
    const gatewayUrl = await gateway.listen(0);
    return {
      gatewayUrl,
      subgraphUrls,
      jwksUrl,
      sql,
      subgraphRequests,
      databases,
      resetCounters() {
        for (const name of subgraphNames) {
          sql[name].reset();
          subgraphRequests[name] = 0;
        }
      },
      async stop() {
        for (const service of stoppables) await service.close();
      },
    };
  } catch (error) {
    for (const service of stoppables.reverse()) await service.close().catch(() => undefined);
    throw error;
  }
}
