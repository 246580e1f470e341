/**
 * OpenTelemetry across processes: with an OTLP endpoint configured, the gateway and the subgraphs export spans
 * of one request under one trace id, the subgraphs' spans children of the gateway's fetches, with the PostgreSQL
 * queries and Redis commands they made; and the event a mutation records continues that trace through the
 * outbox relay into the worker that handles it.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen } from '@curbside/http';
import { graphql, startProcessStack, waitFor, type ProcessStack } from './index.ts';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string };
}

interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: OtlpAttribute[];
}

const attributeOf = (span: ExportedSpan, key: string) =>
  span.attributes?.find((attribute) => attribute.key === key)?.value.stringValue;
/** The database a client span talks to: `db.system.name` in the current conventions, `db.system` before them. */
const databaseSystemOf = (span: ExportedSpan) => attributeOf(span, 'db.system.name') ?? attributeOf(span, 'db.system');

let collector: Server;
let stack: ProcessStack;
const spans: ExportedSpan[] = [];

/** A minimal OTLP/HTTP (JSON) trace collector: keeps every span it is sent. */
async function startCollector(): Promise<string> {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: {
          resource: { attributes: OtlpAttribute[] };
          scopeSpans: { spans: Omit<ExportedSpan, 'service'>[] }[];
        }[];
      };
      for (const resourceSpans of body.resourceSpans) {
        const service =
          resourceSpans.resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue ??
          '?';
        for (const scope of resourceSpans.scopeSpans) for (const span of scope.spans) spans.push({ ...span, service });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const port = await listen(collector, 0, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  const endpoint = await startCollector();
  stack = await startProcessStack({
    gateways: 1,
    workers: true,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' },
  });
}, 90_000);
afterAll(async () => {
  await stack?.stop();
  if (collector) await closeServer(collector);
});

describe('tracing', () => {
  it('follows one request from the gateway into the subgraphs under one trace', async () => {
    const response = await graphql(
      stack.gatewayUrl,
      '{ vendors(first: 2) { edges { node { name owner { username } } } } }',
      {},
      {
        headers: { 'x-request-id': 'trace-me' },
      },
    );
    expect(response.status).toBe(200);
    const server = await waitFor('the gateway request span', async () =>
      spans.find((span) => span.service === 'gateway' && span.name === 'POST /graphql'),
    );
    const inTrace = () => spans.filter((span) => span.traceId === server.traceId);
    await waitFor('the vendor subgraph span in the same trace', async () =>
      inTrace().some((span) => span.service === 'vendor-subgraph'),
    );
    const gatewaySpanIds = new Set(
      inTrace()
        .filter((span) => span.service === 'gateway')
        .map((span) => span.spanId),
    );
    // The subgraph's request span (its queries are its children).
    const vendorSpan = inTrace().find((span) => span.service === 'vendor-subgraph' && span.name.endsWith('/graphql'))!;
    expect(gatewaySpanIds.has(vendorSpan.parentSpanId!)).toBe(true);
    expect(inTrace().some((span) => span.service === 'gateway' && span.name !== 'POST /graphql')).toBe(true);
  }, 30_000);

  it('shows the PostgreSQL and Redis spans of a mutation, and continues its event into the worker', async () => {
    // The caller's own trace, so that this request's spans are told apart from every other's by their trace id.
    const traceId = randomBytes(16).toString('hex');
    const username = `traced_${randomBytes(3).toString('hex')}`;
    const response = await graphql(
      stack.gatewayUrl,
      'mutation ($input: RegisterInput!) { register(input: $input) { user { id } } }',
      { input: { email: `${username}@example.com`, username, password: `password-of-${username}`, displayName: 'T' } },
      { headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } },
    );
    expect(response.errors).toBeUndefined();
    const inTrace = () => spans.filter((span) => span.traceId === traceId);
    const byId = (spanId: string | undefined) => inTrace().find((span) => span.spanId === spanId);

    // user.registered goes to the search index, which the workers keep.
    const workerSpan = await waitFor(
      'the worker span of the user.registered event in the request trace',
      async () => inTrace().find((span) => span.service === 'workers' && span.name === 'search.index user.registered'),
      20_000,
    );
    // Its parent is the outbox relay's span in the user subgraph, whose parent is the request's span there.
    const relaySpan = byId(workerSpan.parentSpanId);
    expect(relaySpan).toMatchObject({ service: 'user-subgraph', name: 'outbox relay user.registered' });
    const recordingSpan = byId(relaySpan!.parentSpanId);
    expect(recordingSpan?.service).toBe('user-subgraph');
    // The handler's own queries (the search index write) are children of the worker's span.
    await waitFor('a PostgreSQL span of the worker', async () =>
      inTrace().some(
        (span) =>
          span.service === 'workers' &&
          databaseSystemOf(span) === 'postgresql' &&
          span.parentSpanId === workerSpan.spanId,
      ),
    );

    const services = new Set(inTrace().map((span) => span.service));
    expect(services).toContain('gateway');
    expect(services).toContain('user-subgraph');
    const databaseSpans = inTrace().filter((span) => databaseSystemOf(span) === 'postgresql');
    const userQueries = databaseSpans.filter((span) => span.service === 'user-subgraph');
    expect(userQueries.length).toBeGreaterThan(0);
    // Every PostgreSQL span hangs off a span of the trace (none starts a trace of its own).
    for (const span of databaseSpans) expect(byId(span.parentSpanId)).toBeDefined();
    const redisSpans = inTrace().filter((span) => databaseSystemOf(span) === 'redis');
    expect(redisSpans.length).toBeGreaterThan(0);
    for (const span of redisSpans) expect(byId(span.parentSpanId)).toBeDefined();
    // Redis spans name the command and nothing else (arguments may carry job data or ids).
    for (const span of redisSpans) expect(attributeOf(span, 'db.query.text') ?? '').toMatch(/^[a-z]+$/i);
    // SQL goes without its values (MikroORM inlines them): not the new account's email, not its password hash.
    const outboxInsert = userQueries.find((span) =>
      /insert into "outbox_event"/.test(attributeOf(span, 'db.query.text') ?? ''),
    );
    expect(attributeOf(outboxInsert!, 'db.query.text')).toMatch(/values \(\?, \?, \?, \?, null, \?\)/);
    const exported = JSON.stringify(inTrace());
    expect(exported).not.toContain(`${username}@example.com`);
    expect(exported).not.toContain('$argon2');
  }, 40_000);
});
