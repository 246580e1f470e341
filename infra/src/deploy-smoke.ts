/**
 * `pnpm deploy:smoke`: runs the Kubernetes base (infra/k8s/base) on this machine as a cluster would, from the
 * output of `pnpm build`: the migration Job first (to completion), then every Deployment's command with the
 * environment its manifest gives it (values, ConfigMap and Secret keys), each Service's cluster name mapped to a
 * loopback port, readiness awaited on each readinessProbe as the kubelet polls it; then a smoke journey through
 * the gateway: register, create a vendor, place it, upload an image, post it, see the post's search hit and the
 * vendor's location over the gateway. Prints each phase's time; exits 1 on the first failure.
 *
 * What a cluster has and this machine does not is stood in for, and printed: the Secret's values are generated
 * (they are empty in the manifests), PostgreSQL is the local server (one fresh database per subgraph, dropped at
 * the end), one local Redis stands in for the Redis Cluster, the media go to a local folder instead of S3, no
 * trace collector.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { makePng } from '@curbside/fixtures';
import { defaultPostgresUrl, ensureDatabase } from '@curbside/subgraph-kit';
import { buildTargets } from './build.ts';
import { buildKustomization } from './deploy-check.ts';
import { fromRoot, repoRoot } from './paths.ts';
import { generateStackSecrets } from './stack-secrets.ts';

type Manifest = Record<string, any>;

const postgresUrl = process.env['POSTGRES_URL'] ?? defaultPostgresUrl;
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const run = randomBytes(3).toString('hex');
/** How long a Deployment may take to become ready (its startupProbe allows 180 s; a smoke run should not). */
const readyTimeoutMs = 60_000;

const timings: string[] = [];
async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  timings.push(`${name}: ${seconds} s`);
  console.log(`  ${name}: ${seconds} s`);
  return result;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const podSpecOf = (workload: Manifest): Manifest => workload['spec']['template']['spec'];
const containerOf = (workload: Manifest): Manifest => podSpecOf(workload)['containers'][0];

interface Running {
  name: string;
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

function start(name: string, command: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, command.slice(1), {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on('line', (line) => output.push(line));
  return { name, child, output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

async function waitReady(running: Running, url: string): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  let exited = false;
  void running.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(3_000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${running.name} was not ready at ${url}:\n${running.output.slice(-20).join('\n')}`);
}

async function graphql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
}

/**
 * One subscription over graphql-ws (the graphql-transport-ws protocol, Node's own WebSocket): resolves with its
 * first event, after `trigger` ran once the subscription is open.
 */
async function firstEvent(
  gatewayUrl: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  trigger: () => Promise<unknown>,
): Promise<Record<string, any>> {
  const socket = new WebSocket(gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no subscription event within 20 s')), 20_000);
      socket.addEventListener('error', () => reject(new Error('the WebSocket failed')));
      socket.addEventListener('open', () =>
        socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
      );
      socket.addEventListener('message', (message) => {
        const data = JSON.parse(String(message.data)) as { type: string; payload?: any };
        if (data.type === 'connection_ack') {
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
          // The gateway opens its upstream subscription as it answers: give it a moment, then trigger, again if
          // the first came too early or was refused (a vendor's updates are rate limited per second).
          for (const delay of [300, 1_500, 3_000]) setTimeout(() => void trigger().catch(() => undefined), delay);
        } else if (data.type === 'next') {
          clearTimeout(timer);
          resolve(data.payload);
        } else if (data.type === 'error') {
          clearTimeout(timer);
          reject(new Error(JSON.stringify(data.payload)));
        }
      });
      socket.addEventListener('close', (event) => reject(new Error(`the WebSocket closed: ${event.code}`)));
    });
  } finally {
    socket.close();
  }
}

/** The journey through the gateway; each step timed. */
async function journey(gatewayUrl: string): Promise<void> {
  const name = `smoke${run}`;
  const { register } = await phase('journey: register', () =>
    graphql(gatewayUrl, 'mutation ($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }', {
      input: { email: `${name}@example.com`, username: name, password: 'smoke-password-123', displayName: 'Smoke' },
    }),
  );
  const token = register.accessToken as string;
  const { createVendor } = await phase('journey: create a vendor', () =>
    graphql(
      gatewayUrl,
      'mutation ($input: CreateVendorInput!) { createVendor(input: $input) { id } }',
      {
        input: { name: `Smoke Tacos ${run}`, category: 'FOOD_TRUCK' },
      },
      token,
    ),
  );
  const vendorId = createVendor.id as string;
  await phase('journey: place the vendor (location subgraph, through its copy of the vendor)', () =>
    until('the location copy of the vendor', async () => {
      try {
        return await graphql(
          gatewayUrl,
          'mutation ($input: UpdateVendorLocationInput!) { updateVendorLocation(input: $input) { lat } }',
          { input: { vendorId, lat: 38.7223, lng: -9.1393 } },
          token,
        );
      } catch {
        return undefined;
      }
    }),
  );
  await phase('journey: a subscriber sees the vendor move (graphql-ws through the gateway)', async () => {
    const event = await firstEvent(
      gatewayUrl,
      token,
      'subscription ($vendorId: ID!) { vendorLocationUpdated(vendorId: $vendorId) { lat lng } }',
      { vendorId },
      () =>
        graphql(
          gatewayUrl,
          'mutation ($input: UpdateVendorLocationInput!) { updateVendorLocation(input: $input) { lat } }',
          { input: { vendorId, lat: 38.7225, lng: -9.1395 } },
          token,
        ),
    );
    if (event['data']?.['vendorLocationUpdated']?.['lat'] !== 38.7225) {
      throw new Error(`unexpected event ${JSON.stringify(event)}`);
    }
  });
  const png = makePng(32, 32, (x, y) => [x * 8, y * 8, 128]);
  const mediaId = await phase('journey: upload an image (through the gateway to the media subgraph)', async () => {
    const { createUpload } = await graphql(
      gatewayUrl,
      'mutation ($input: CreateUploadInput!) { createUpload(input: $input) { media { id } uploadUrl uploadHeaders } }',
      { input: { filename: 'smoke.png', contentType: 'image/png', byteSize: png.length } },
      token,
    );
    const uploadUrl = new URL(createUpload.uploadUrl as string);
    const target = new URL(`${uploadUrl.pathname}${uploadUrl.search}`, gatewayUrl);
    const put = await fetch(target, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: png });
    if (put.status !== 202) throw new Error(`upload answered ${put.status}: ${await put.text()}`);
    return createUpload.media.id as string;
  });
  await phase('journey: the workers process the image (READY)', () =>
    until('the media READY', async () => {
      const { media } = await graphql(gatewayUrl, 'query ($id: ID!) { media(id: $id) { status } }', { id: mediaId });
      return media?.status === 'READY' ? true : undefined;
    }),
  );
  const body = `Smoke post ${run} with tacos`;
  await phase('journey: post with the image', () =>
    graphql(
      gatewayUrl,
      'mutation ($input: CreatePostInput!) { createPost(input: $input) { id } }',
      {
        input: { body, mediaIds: [mediaId] },
      },
      token,
    ),
  );
  await phase('journey: search finds the post (workers indexed it)', () =>
    until('the search hit', async () => {
      const { search } = await graphql(
        gatewayUrl,
        'query ($q: String!) { search(query: $q, types: [POST]) { edges { node { node { ... on Post { body } } } } } }',
        { q: `smoke post ${run}` },
      );
      return search.edges.length > 0 ? true : undefined;
    }),
  );
  await phase('journey: the vendor and its place over the gateway', async () => {
    const { vendor } = await graphql(
      gatewayUrl,
      'query ($id: ID!) { vendor(id: $id) { name owner { username } location { lat } } }',
      { id: vendorId },
    );
    if (vendor?.owner?.username !== name || vendor?.location?.lat !== 38.7225) {
      throw new Error(`unexpected vendor ${JSON.stringify(vendor)}`);
    }
  });
}

async function main(): Promise<void> {
  const problems: string[] = [];
  const objects = buildKustomization(fromRoot('infra/k8s/base'), problems);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const configMap = new Map<string, Record<string, string>>(
    objects.filter((o) => o['kind'] === 'ConfigMap').map((o) => [o['metadata']['name'], o['data'] ?? {}]),
  );
  const services = objects.filter((o) => o['kind'] === 'Service');
  const deployments = objects.filter((o) => o['kind'] === 'Deployment');
  const job = objects.find((o) => o['kind'] === 'Job')!;

  // Cluster DNS names to loopback ports: each Service gets a port, and its Deployment listens there.
  const servicePorts = new Map<string, { port: number; local: number }>();
  for (const service of services) {
    servicePorts.set(service['metadata']['name'], {
      port: service['spec']['ports'][0]['port'],
      local: await freePort(),
    });
  }
  const mapUrls = (value: string) =>
    value.replace(/\bhttp:\/\/([a-z][a-z0-9-]*):(\d+)/g, (match, host: string, port: string) => {
      const service = servicePorts.get(host);
      return service && String(service.port) === port ? `http://127.0.0.1:${service.local}` : match;
    });

  // Deployments without a Service (the workers) still listen for their probes.
  const probePorts = new Map<string, number>();
  for (const deployment of deployments) {
    const name = deployment['metadata']['name'] as string;
    probePorts.set(name, servicePorts.get(name)?.local ?? (await freePort()));
  }
  const databases = Object.fromEntries(
    ['user', 'vendor', 'location', 'post', 'media', 'search'].map((name) => [name, `curbside_smoke_${run}_${name}`]),
  );
  const mediaDir = mkdtempSync(join(tmpdir(), 'curbside-smoke-media-'));
  const secrets: Record<string, string> = { ...generateStackSecrets(), REDIS_URL: redisUrl };
  for (const [name, database] of Object.entries(databases)) {
    const url = new URL(postgresUrl);
    url.pathname = `/${database}`;
    secrets[`${name.toUpperCase()}_DATABASE_URL`] = url.href;
    secrets[`${name.toUpperCase()}_DATABASE_DIRECT_URL`] = url.href;
  }
  /** What stands in for the cluster's external dependencies, over whatever the manifest says. */
  const standIns: Record<string, string> = {
    REDIS_CLUSTER_NODES: '',
    REDIS_KEY_PREFIX: `curbside:smoke:${run}:`,
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
    MEDIA_STORE: 'local',
    MEDIA_DIR: mediaDir,
    LOG_LEVEL: 'warn',
  };
  console.log(`stand-ins for the cluster's dependencies: ${Object.keys(standIns).join(', ')}, generated secrets`);

  const envOf = (workload: Manifest): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const entry of containerOf(workload)['env'] ?? []) {
      const name = entry['name'] as string;
      const config = entry['valueFrom']?.['configMapKeyRef'];
      const secret = entry['valueFrom']?.['secretKeyRef'];
      const value = config
        ? configMap.get(config['name'])?.[config['key']]
        : secret
          ? secrets[secret['key']]
          : entry['value'];
      if (value === undefined) throw new Error(`${workload['metadata']['name']}: no value for ${name}`);
      env[name] = mapUrls(String(value));
    }
    for (const [name, value] of Object.entries(standIns)) if (name in env || name === 'MEDIA_DIR') env[name] = value;
    const service = servicePorts.get(workload['metadata']['name']);
    if (service) env['PORT'] = String(service.local);
    else if (workload['kind'] === 'Deployment') env['PORT'] = String(probePorts.get(workload['metadata']['name']));
    env['HOST'] = '127.0.0.1';
    return env;
  };

  for (const target of buildTargets) {
    if (!existsSync(fromRoot(target.outfile))) throw new Error(`${target.outfile} is missing: run pnpm build`);
  }

  const running: Running[] = [];
  try {
    await phase('databases created (the cluster has them beforehand)', () =>
      Promise.all(Object.values(databases).map((database) => ensureDatabase(postgresUrl, database))),
    );
    await phase('migration Job', async () => {
      const migrate = start('migrate', containerOf(job)['command'], envOf(job));
      const code = await migrate.exited;
      if (code !== 0) throw new Error(`the migration Job failed (${code}):\n${migrate.output.slice(-20).join('\n')}`);
    });
    await phase('every Deployment ready (readinessProbe)', () =>
      Promise.all(
        deployments.map(async (deployment) => {
          const name = deployment['metadata']['name'] as string;
          const process = start(name, containerOf(deployment)['command'], envOf(deployment));
          running.push(process);
          const local = probePorts.get(name)!;
          return waitReady(
            process,
            `http://127.0.0.1:${local}${containerOf(deployment)['readinessProbe']['httpGet']['path']}`,
          );
        }),
      ),
    );
    await journey(`http://127.0.0.1:${servicePorts.get('gateway')!.local}/graphql`);
    // Resident memory after the journey: the floor the manifests' memory requests are set above.
    const memory = running.map((process) => {
      const status = readFileSync(`/proc/${process.child.pid}/status`, 'utf8');
      const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
      return `${process.name} ${Math.round(kib / 1024)} MiB`;
    });
    console.log(`  resident memory after the journey: ${memory.join(', ')}`);
  } finally {
    await phase('every Deployment stopped (SIGTERM)', () =>
      Promise.all(
        running.map((process) => {
          if (process.child.exitCode === null) process.child.kill('SIGTERM');
          return process.exited;
        }),
      ),
    );
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    for (const database of Object.values(databases))
      await client.query(`drop database if exists "${database}" with (force)`);
    await client.end();
    rmSync(mediaDir, { recursive: true, force: true });
  }
}

const started = performance.now();
try {
  await main();
  console.log(`deploy:smoke passed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  console.error(`deploy:smoke failed: ${(error as Error).message}`);
  process.exit(1);
}
