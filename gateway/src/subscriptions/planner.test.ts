/**
 * The contract with @apollo/query-planner and @apollo/federation-internals (pinned to one exact version) that
 * subscriptions rest on: the plan's shape, and the gateway's own executor completing an event with it. An upgrade
 * that changes the plan fails here first.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { GraphQLDataSourceProcessOptions, ServiceMap } from '@apollo/gateway';
import { describe, expect, it } from 'vitest';
import { eventSourceName, SubscriptionPlanner } from './planner.ts';
import { completeEvent } from './complete-event.ts';

const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');
const supergraphSdl = readFileSync(
  fileURLToPath(new URL('../../../schema/supergraph.graphql', import.meta.url)),
  'utf8',
);

const QUERY = `subscription Moves($vendorId: ID!) {
  moved: vendorLocationUpdated(vendorId: $vendorId) { lat vendor { title: name owner { username } } }
}`;

/** A subgraph answering `_entities` from a table of entities by id, recording what it was asked. */
function subgraph(entities: Record<string, Record<string, unknown>>, asked: unknown[][]) {
  return {
    async process({ request }: GraphQLDataSourceProcessOptions) {
      const representations = request.variables?.['representations'] as { id: string }[];
      asked.push(representations);
      return { data: { _entities: representations.map(({ id }) => entities[id] ?? null) } };
    },
  };
}

describe('SubscriptionPlanner', () => {
  const planner = new SubscriptionPlanner(supergraphSdl);
  const plan = planner.plan(graphqlCjs.parse(QUERY), 'Moves', 'moves');

  it('sends the root field to the subgraph that owns it, with only its fields and the entity keys', () => {
    expect(plan.primary.serviceName).toBe('location');
    expect(plan.primary.operationKind).toBe('subscription');
    expect(plan.primary.variableUsages).toEqual(['vendorId']);
    expect(plan.primary.operation).toBe(
      'subscription Moves__location__0($vendorId:ID!){moved:vendorLocationUpdated(vendorId:$vendorId){lat vendor{__typename id}}}',
    );
    const [first, ...rest] = plan.perEvent.nodes as { kind: string; serviceName?: string }[];
    expect(first).toMatchObject({ kind: 'Fetch', serviceName: eventSourceName });
    expect(JSON.stringify(rest)).toMatch(/"serviceName":"vendor"/);
    expect(JSON.stringify(rest)).toMatch(/"serviceName":"user"/);
  });

  it('caches plans by key', () => {
    expect(planner.plan(graphqlCjs.parse(QUERY), 'Moves', 'moves')).toBe(plan);
  });

  it('completes an event with the other subgraphs, shaped as the client asked', async () => {
    const asked: Record<string, unknown[][]> = { vendor: [], user: [] };
    const event = {
      data: { moved: { lat: 1.5, vendor: { __typename: 'Vendor', id: 'v1' } } },
    };
    const serviceMap: ServiceMap = {
      [eventSourceName]: { process: async () => event },
      vendor: subgraph(
        { v1: { __typename: 'Vendor', title: 'Tacos', owner: { __typename: 'User', id: 'u1' } } },
        asked.vendor!,
      ),
      user: subgraph({ u1: { __typename: 'User', username: 'ana' } }, asked.user!),
    };
    const result = await completeEvent({
      plan,
      planner,
      serviceMap,
      variables: { vendorId: 'v1' },
      operationName: 'Moves',
      context: {},
    });
    expect(result).toEqual({ data: { moved: { lat: 1.5, vendor: { title: 'Tacos', owner: { username: 'ana' } } } } });
    expect(asked.vendor).toEqual([[{ __typename: 'Vendor', id: 'v1' }]]);
    expect(asked.user).toEqual([[{ __typename: 'User', id: 'u1' }]]);
  });

  it('places a failed entity fetch at the path of the field it was to fill', async () => {
    const serviceMap: ServiceMap = {
      [eventSourceName]: {
        process: async () => ({ data: { moved: { lat: 2, vendor: { __typename: 'Vendor', id: 'v1' } } } }),
      },
      vendor: subgraph({ v1: { __typename: 'Vendor', title: 'Tacos', owner: { __typename: 'User', id: 'u1' } } }, []),
      user: {
        process: async () => ({
          errors: [{ message: 'user down', path: ['_entities', 0], extensions: { code: 'SERVICE_UNAVAILABLE' } }],
        }),
      },
    };
    const result = await completeEvent({
      plan,
      planner,
      serviceMap,
      variables: { vendorId: 'v1' },
      operationName: 'Moves',
      context: {},
    });
    expect(result.errors?.map((error) => [error.message, error.path, error.extensions['code']])).toEqual([
      ['user down', ['moved', 'vendor', 'owner'], 'SERVICE_UNAVAILABLE'],
    ]);
    // owner is non-null: its failure nulls the nearest nullable parent, here the whole event's data.
    expect(result.data).toBeNull();
  });
});

describe('viewer dependence', () => {
  const planner = new SubscriptionPlanner(supergraphSdl);
  const viewerIndependent = (query: string) =>
    planner.plan(graphqlCjs.parse(query), undefined, query).viewerIndependent;

  it('holds when no field the subgraphs declared @viewerDependent is selected', () => {
    expect(viewerIndependent(QUERY)).toBe(true);
    expect(viewerIndependent('subscription { commentAdded(postId: "p") { body author { username } } }')).toBe(true);
  });

  it('fails for a @viewerDependent field anywhere: nested, aliased, in a fragment, or on an owner-only field', () => {
    expect(
      viewerIndependent('subscription { vendorLocationUpdated(vendorId: "v") { vendor { viewerFollows } } }'),
    ).toBe(false);
    expect(viewerIndependent('subscription { postUpdated(postId: "p") { likedByMe: viewerHasLiked } }')).toBe(false);
    expect(
      viewerIndependent(`subscription { commentAdded(postId: "p") { author { ...Private } } }
        fragment Private on User { email }`),
    ).toBe(false);
    expect(
      viewerIndependent(
        'subscription { vendorStatusChanged(vendorId: "v") { ... on Vendor { locationHistory { edges { cursor } } } } }',
      ),
    ).toBe(false);
  });
});
