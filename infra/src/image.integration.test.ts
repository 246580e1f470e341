/**
 * The production build, run as production runs it: `pnpm build`, then `pnpm image:layout` (what infra/Dockerfile
 * runs in its build stage: production dependencies only), then `node infra/dist/migrate.js` and the services
 * with `node <deployable>/dist/main.js` from that folder, NODE_ENV=production, no tsx anywhere.
 */
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPostgresUrl, ensureDatabase } from '@curbside/subgraph-kit';
import { layOutRuntime } from './image-layout.ts';
import { repoRoot } from './paths.ts';
import { subgraphServices } from './services.ts';

const postgresUrl = process.env['POSTGRES_URL'] ?? defaultPostgresUrl;
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const runId = process.env['CURBSIDE_TEST_RUN'];
const tag = randomBytes(3).toString('hex');
/** Databases named like every test's, so the run's teardown drops them. */
const databases = Object.fromEntries(
  subgraphServices.map((service) => [service.databaseVariable, `curbside_t_${runId}_img${tag}_${service.name}`]),
);

interface Running {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

let layout: string;
const started: Running[] = [];
/** The environment production gives every deployable here (the manifests give the same variables). */
const productionEnv = (): Record<string, string> => ({
  PATH: process.env['PATH'] ?? '',
  NODE_ENV: 'production',
  APOLLO_TELEMETRY_DISABLED: '1',
  POSTGRES_URL: postgresUrl,
  REDIS_URL: redisUrl,
  REDIS_KEY_PREFIX: `curbside:t:${runId}:img${tag}:`,
  GATEWAY_SECRET: randomBytes(32).toString('hex'),
  LOG_LEVEL: 'info',
  ...databases,
});
let env: ReturnType<typeof productionEnv>;

/** Runs `node <file>` from the laid-out folder; resolves with the URL it logs as ready. */
function startNode(file: string, extra: Record<string, string>): Promise<{ running: Running; url: string }> {
  const child = spawn(process.execPath, [file], { cwd: layout, env: { ...env, PORT: '0', ...extra } });
  const output: string[] = [];
  const running: Running = {
    child,
    output,
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  started.push(running);
  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} not ready in 30 s:\n${output.join('\n')}`)), 30_000);
    void running.exited.then((code) => reject(new Error(`${file} exited with ${code}:\n${output.join('\n')}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      const url = /ready/.test(line) ? /"url":"([^"]+)"/.exec(line)?.[1] : undefined;
      if (url) {
        clearTimeout(timer);
        resolve({ running, url });
      }
    });
  });
}

async function stop(running: Running): Promise<number | null> {
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGTERM');
  return running.exited;
}

const probe = async (url: string, path: string) => {
  const response = await fetch(new URL(path, url));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const query = async (gatewayUrl: string, document: string) =>
  (await (
    await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: document }),
    })
  ).json()) as { data?: Record<string, unknown> | null; errors?: { message: string }[] };

beforeAll(async () => {
  env = productionEnv();
  const timings: string[] = [];
  const timed = async (step: string, run: () => unknown) => {
    const start = performance.now();
    await run();
    timings.push(`${step} ${((performance.now() - start) / 1000).toFixed(1)} s`);
  };
  // In the integration profiles the run's global setup has just run this same build (e2e/src/global-setup.ts), and
  // other test files are starting services from it: building again would delete their dist/ under them.
  if (process.env['CURBSIDE_SPAWN_BUILT'] === '1') timings.push("pnpm build by the run's global setup");
  else await timed('pnpm build', () => execFileSync('pnpm', ['build'], { cwd: repoRoot, stdio: 'pipe' }));
  layout = mkdtempSync(join(tmpdir(), 'curbside-image-'));
  await timed('image:layout', () => layOutRuntime(layout, { quiet: true }));
  // The secrets as the compose stack makes them (stack-secrets.js, sourced by sh): AUTH_SIGNING_KEY is a JWK.
  execFileSync(process.execPath, ['infra/dist/stack-secrets.js', 'secrets.env'], { cwd: layout, stdio: 'pipe' });
  const sourced = execFileSync('sh', ['-c', '. ./secrets.env && env'], { cwd: layout, env: {}, encoding: 'utf8' });
  for (const name of ['GATEWAY_SECRET', 'MEDIA_SIGNING_SECRET', 'METRICS_TOKEN', 'AUTH_SIGNING_KEY'] as const) {
    const value = sourced.split('\n').find((line) => line.startsWith(`${name}=`));
    if (!value) throw new Error(`stack-secrets.js wrote no ${name}`);
    Object.assign(env, { [name]: value.slice(name.length + 1) });
  }
  // Production creates no database (they are made beforehand) and never migrates at start: the migration
  // Job runs first, as the manifests order it.
  await Promise.all(Object.values(databases).map((database) => ensureDatabase(postgresUrl, database)));
  await timed('migrate', () =>
    execFileSync(process.execPath, ['infra/dist/migrate.js'], { cwd: layout, env, stdio: 'pipe' }),
  );
  console.log(`production build: ${timings.join(', ')}`);
}, 120_000);

afterAll(async () => {
  await Promise.all(started.map(stop));
  if (layout) rmSync(layout, { recursive: true, force: true });
});

describe('the production build', () => {
  it('holds JavaScript only and production dependencies only', () => {
    expect(existsSync(join(layout, 'gateway/dist/main.js'))).toBe(true);
    expect(existsSync(join(layout, 'subgraphs/user/dist/schema.graphql'))).toBe(true);
    expect(existsSync(join(layout, 'schema/supergraph.graphql'))).toBe(true);
    expect(existsSync(join(layout, 'gateway/src'))).toBe(false);
    for (const devOnly of ['tsx', 'vitest', 'typescript', 'esbuild', '@graphql-codegen/cli'])
      expect(existsSync(join(layout, 'node_modules/.pnpm/node_modules', devOnly)), devOnly).toBe(false);
    const main = readFileSync(join(layout, 'gateway/dist/main.js'), 'utf8');
    expect(main).not.toMatch(/from ["'][^"']+\.ts["']/);
  });

  it('starts the gateway and subgraphs with node from dist/; they answer /health and /ready', async () => {
    const user = await startNode('subgraphs/user/dist/main.js', {});
    const vendor = await startNode('subgraphs/vendor/dist/main.js', {
      JWKS_URL: new URL('/.well-known/jwks.json', user.url).href,
    });
    const gateway = await startNode('gateway/dist/main.js', {
      JWKS_URL: new URL('/.well-known/jwks.json', user.url).href,
      SUBGRAPH_URL_USER: user.url,
      SUBGRAPH_URL_VENDOR: vendor.url,
    });
    for (const url of [user.url, vendor.url, gateway.url]) {
      expect(await probe(url, '/health')).toMatchObject({ status: 200 });
      expect(await probe(url, '/ready')).toMatchObject({ status: 200, body: { ready: true } });
    }
    // The image's HEALTHCHECK, as Docker runs it in the gateway's container.
    const healthcheck = (port: string) =>
      spawnSync(process.execPath, ['infra/dist/healthcheck.js'], { cwd: layout, env: { PORT: port } }).status;
    expect(healthcheck(new URL(gateway.url).port)).toBe(0);
    expect(healthcheck('1')).toBe(1);
    const both = '{ vendors(first: 1) { edges { node { id } } } userByUsername(username: "nobody") { id } }';
    expect(await query(gateway.url, both)).toEqual({ data: { vendors: { edges: [] }, userByUsername: null } });

    // One subgraph stopped: the gateway stays ready and still serves the other subgraph's fields.
    expect(await stop(user.running)).toBe(0);
    expect(await probe(gateway.url, '/ready')).toMatchObject({ status: 200, body: { ready: true } });
    expect(await query(gateway.url, '{ vendors(first: 1) { edges { node { id } } } }')).toEqual({
      data: { vendors: { edges: [] } },
    });
    const partial = await query(gateway.url, both);
    expect(partial.errors?.length).toBeGreaterThan(0);
    expect(await probe(gateway.url, '/ready')).toMatchObject({ status: 200 });
  });
});
