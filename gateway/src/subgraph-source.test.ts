import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayContext } from './context.ts';
import { createGatewayMetrics } from './metrics.ts';
import { defaultSubgraphFetchPolicy, isQueryOperation, SubgraphSource } from './subgraph-source.ts';

/** A real HTTP subgraph that answers after 150 ms and records what reached it. */
let server: Server;
let url: string;
const received: { body: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ body, headers: request.headers });
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ data: { me: { name: 'Ana', answer: received.length } } }));
      }, 150);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received.length = 0;
});

function source(shareInFlightQueries = true) {
  const metrics = createGatewayMetrics();
  const dataSource = new SubgraphSource({
    name: 'users',
    url,
    policy: { ...defaultSubgraphFetchPolicy, shareInFlightQueries },
    metrics,
    gatewaySecret: 'a-gateway-secret-of-at-least-32-characters',
  });
  const shared = async () =>
    (await metrics.subgraphFetchesShared.get()).values.find((value) => value.labels.subgraph === 'users')?.value ?? 0;
  return { dataSource, shared };
}

let requestCount = 0;
function fetchOptions(query: string, authorization: string | null, variables = { id: '1' }) {
  const context = { requestId: `request-${++requestCount}`, authorization } as GatewayContext;
  return {
    kind: 'incoming operation',
    request: { query, variables },
    context,
    incomingRequestContext: { context },
  } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>;
}

const QUERY = 'query Me__users__0($id:ID!){me(id:$id){name}}';

describe('in-flight sharing of subgraph fetches', () => {
  it('sends identical concurrent queries of one caller once, each caller getting its own copy', async () => {
    const { dataSource, shared } = source();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => dataSource.process(fetchOptions(QUERY, 'Bearer ana'))),
    );
    expect(received).toHaveLength(1);
    expect(await shared()).toBe(4);
    expect(answers.map((answer) => answer.data)).toEqual(Array(5).fill({ me: { name: 'Ana', answer: 1 } }));
    // Executors merge into what they get: one caller's changes never reach another's.
    (answers[0]!.data as { me: { name: string } }).me.name = 'changed';
    expect((answers[1]!.data as { me: { name: string } }).me.name).toBe('Ana');
    dataSource.close();
  });

  it('never shares between credentials; anonymous fetches share with anonymous ones only', async () => {
    const { dataSource } = source();
    await Promise.all([
      dataSource.process(fetchOptions(QUERY, 'Bearer ana')),
      dataSource.process(fetchOptions(QUERY, 'Bearer bo')),
      dataSource.process(fetchOptions(QUERY, null)),
      dataSource.process(fetchOptions(QUERY, null)),
      dataSource.process(fetchOptions(QUERY, 'Bearer ana', { id: '2' })),
    ]);
    expect(received.map(({ headers }) => headers.authorization ?? 'anonymous').sort()).toEqual([
      'Bearer ana',
      'Bearer ana',
      'Bearer bo',
      'anonymous',
    ]);
    dataSource.close();
  });

  it('never shares mutations, nor anything once sharing is off, nor a query that has already been answered', async () => {
    const { dataSource } = source();
    const mutation = 'mutation Like__posts__0($id:ID!){like(id:$id){name}}';
    await Promise.all(Array.from({ length: 3 }, () => dataSource.process(fetchOptions(mutation, 'Bearer ana'))));
    expect(received).toHaveLength(3);
    await dataSource.process(fetchOptions(QUERY, 'Bearer ana'));
    await dataSource.process(fetchOptions(QUERY, 'Bearer ana'));
    expect(received).toHaveLength(5);
    dataSource.close();

    received.length = 0;
    const unshared = source(false);
    await Promise.all(Array.from({ length: 3 }, () => unshared.dataSource.process(fetchOptions(QUERY, 'Bearer ana'))));
    expect(received).toHaveLength(3);
    expect(await unshared.shared()).toBe(0);
    unshared.dataSource.close();
  });

  it('sends the request id and gateway credential of the caller that sent the fetch', async () => {
    const { dataSource } = source();
    await Promise.all([
      dataSource.process(fetchOptions(QUERY, 'Bearer ana')),
      dataSource.process(fetchOptions(QUERY, 'Bearer ana')),
    ]);
    expect(received).toHaveLength(1);
    expect(received[0]!.headers['x-request-id']).toMatch(/^request-\d+$/);
    expect(received[0]!.headers['x-curbside-gateway']).toBe('a-gateway-secret-of-at-least-32-characters');
    dataSource.close();
  });
});

describe('isQueryOperation', () => {
  it('tells queries from mutations and subscriptions as the planner prints them', () => {
    expect(isQueryOperation('{me{name}}')).toBe(true);
    expect(isQueryOperation('query Me__users__0($id:ID!){me(id:$id){name}}')).toBe(true);
    expect(isQueryOperation('query{me{name}}')).toBe(true);
    expect(isQueryOperation('  query ($r:[_Any!]!){_entities(representations:$r){__typename}}')).toBe(true);
    expect(isQueryOperation('mutation Like__posts__0{like{id}}')).toBe(false);
    expect(isQueryOperation('subscription{vendorMoved{id}}')).toBe(false);
    expect(isQueryOperation('queryish{a}')).toBe(false);
  });
});
