/** Active subscriptions planned again on another supergraph (see `Replanner`), on the committed supergraph. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SubscriptionPlanner } from './planner.ts';
import { Replanner } from './replan.ts';

const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');
const supergraphSdl = readFileSync(
  fileURLToPath(new URL('../../../schema/supergraph.graphql', import.meta.url)),
  'utf8',
);

/** The committed supergraph with `VendorLocation`'s block rewritten by `edit`. */
function withVendorLocation(edit: (block: string) => string): string {
  const start = supergraphSdl.indexOf('type VendorLocation\n');
  const end = supergraphSdl.indexOf('\n}\n', start) + 3;
  const changed = supergraphSdl.slice(0, start) + edit(supergraphSdl.slice(start, end)) + supergraphSdl.slice(end);
  expect(changed).not.toBe(supergraphSdl);
  return changed;
}
/** A field added elsewhere (on Query, owned by the vendor subgraph): nothing a location subscription selects. */
const withFieldElsewhere = supergraphSdl.replace(
  /(type Query\n(?: {2}@join__type\([^)]*\)\n)+\{\n)/,
  '$1  reloadProbe: String @join__field(graph: VENDOR)\n',
);
const withoutAccuracy = withVendorLocation((block) => block.replace(/\n\n[^\n]*\n  accuracyMeters: Float/, ''));
const viewerDependentLat = withVendorLocation((block) => block.replace('lat: Float!', 'lat: Float! @viewerDependent'));

const operation = (query: string, variables: Record<string, unknown> = { vendorId: 'v1' }) => ({
  document: graphqlCjs.parse(query),
  operationName: undefined,
  operationKey: `\n${query}`,
  variables,
});
const MOVES = 'subscription ($vendorId: ID!) { vendorLocationUpdated(vendorId: $vendorId) { lat vendor { name } } }';
const ACCURACY = 'subscription ($vendorId: ID!) { vendorLocationUpdated(vendorId: $vendorId) { lat accuracyMeters } }';

describe('Replanner', () => {
  const current = new SubscriptionPlanner(supergraphSdl);
  const planOn = (sdl: string, query: string, variables?: Record<string, unknown>) =>
    new Replanner(new SubscriptionPlanner(sdl)).replan(operation(query, variables));

  it('plans an operation again to the same upstream subscription when a field is added elsewhere', () => {
    expect(withFieldElsewhere).toContain('reloadProbe');
    const before = current.plan(graphqlCjs.parse(MOVES), undefined, 'moves');
    const after = planOn(withFieldElsewhere, MOVES);
    if (!('plan' in after)) throw new Error(`rejected: ${after.rejected}`);
    expect(after.plan.primary.serviceName).toBe(before.primary.serviceName);
    expect(after.plan.primary.operation).toBe(before.primary.operation);
    expect(after.plan.viewerIndependent).toBe(true);
  });

  it('rejects an operation selecting a field the new schema removed, and only that one', () => {
    expect(planOn(withoutAccuracy, ACCURACY)).toEqual({ rejected: expect.stringContaining('accuracyMeters') });
    expect(planOn(withoutAccuracy, MOVES)).toHaveProperty('plan');
  });

  it('tells a field that became @viewerDependent: the plan no longer serves every viewer alike', () => {
    const after = planOn(viewerDependentLat, MOVES);
    expect('plan' in after && after.plan.viewerIndependent).toBe(false);
  });

  it('rejects variables the new schema no longer accepts', () => {
    expect(planOn(supergraphSdl, MOVES, { vendorId: { not: 'an id' } })).toEqual({
      rejected: expect.stringContaining('vendorId'),
    });
  });

  it('validates and plans a document once per planner, coercing each subscription’s variables', () => {
    const replanner = new Replanner(new SubscriptionPlanner(withFieldElsewhere));
    const first = replanner.replan(operation(MOVES, { vendorId: 'v1' }));
    const second = replanner.replan(operation(MOVES, { vendorId: 'v2' }));
    expect('plan' in first && 'plan' in second && first.plan === second.plan).toBe(true);
    expect(replanner.replan(operation(MOVES, { vendorId: null }))).toHaveProperty('rejected');
  });
});
