/**
 * The gateway toward failing subgraphs, with real processes: a subgraph killed under load, and a subgraph
 * frozen (SIGSTOP). The gateway stays up, answers the other fields, and recovers when the subgraph returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createVendorSeenByLocation,
  dataOf,
  graphql,
  registerUser,
  startProcessStack,
  type Account,
  type GraphQLResponse,
  type ProcessStack,
} from './index.ts';

const timeoutMs = 1_000;
let stack: ProcessStack;
let owner: Account;

beforeAll(async () => {
  stack = await startProcessStack({ gateways: 1, gatewayEnv: { SUBGRAPH_TIMEOUT_MS: String(timeoutMs) } });
  owner = await registerUser(stack.gatewayUrl, 'fault_owner');
  const vendorId = await createVendorSeenByLocation(stack, 'Fault Falafel', owner.accessToken);
  dataOf(
    await graphql(
      stack.gatewayUrl,
      'mutation ($input: UpdateVendorLocationInput!) { updateVendorLocation(input: $input) { lat } }',
      { input: { vendorId, lat: 38.7, lng: -9.1 } },
      { token: owner.accessToken },
    ),
  );
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

/** Vendor fields (vendor subgraph) with each vendor's position (location subgraph). */
const VENDORS_WITH_LOCATION = '{ vendors(first: 5) { edges { node { name location { lat } } } } }';
const VENDORS_ONLY = '{ vendors(first: 5) { edges { node { name } } } }';

const names = (response: GraphQLResponse) =>
  (response.data?.['vendors']?.edges ?? []).map((edge: { node: { name: string } }) => edge.node.name);
const complete = (response: GraphQLResponse) =>
  response.status === 200 && !response.errors && response.data?.['vendors']?.edges?.[0]?.node?.location?.lat === 38.7;

describe('a subgraph killed under load', () => {
  it('keeps the gateway up and the other fields resolving, and recovers within 1 s of the subgraph return', async () => {
    const responses: GraphQLResponse[] = [];
    let running = true;
    const load = (async () => {
      while (running) {
        responses.push(await graphql(stack.gatewayUrl, VENDORS_WITH_LOCATION));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stack.killSubgraph('location');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const whileDown = responses.length;
    await stack.restartSubgraph('location');
    const back = Date.now();
    let recoveredAt: number | null = null;
    while (recoveredAt === null && Date.now() - back < 5_000) {
      const response = await graphql(stack.gatewayUrl, VENDORS_WITH_LOCATION);
      if (complete(response)) recoveredAt = Date.now();
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    running = false;
    await load;

    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(responses.every((response) => names(response).includes('Fault Falafel'))).toBe(true);
    const degraded = responses.slice(0, whileDown).filter((response) => !complete(response));
    expect(degraded.length).toBeGreaterThan(0);
    for (const response of degraded) {
      expect(response.data?.['vendors'].edges[0].node.location).toBeNull();
      expect(response.errors?.[0]?.extensions?.['code']).toMatch(/^(SERVICE_UNAVAILABLE|GATEWAY_TIMEOUT)$/);
      expect(JSON.stringify(response.errors)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|fetch failed/);
    }
    expect(recoveredAt).not.toBeNull();
    expect(recoveredAt! - back).toBeLessThan(1_000);
  }, 60_000);
});

describe('a frozen subgraph (SIGSTOP)', () => {
  it('gives its fields up with GATEWAY_TIMEOUT within the timeout plus 1 s; other queries are unaffected', async () => {
    const location = stack.subgraphs.location;
    location.child.kill('SIGSTOP');
    try {
      const started = Date.now();
      const [withLocation, vendorOnly] = await Promise.all([
        graphql(stack.gatewayUrl, VENDORS_WITH_LOCATION),
        (async () => {
          const begun = Date.now();
          const response = await graphql(stack.gatewayUrl, VENDORS_ONLY);
          return { response, ms: Date.now() - begun };
        })(),
      ]);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeLessThan(timeoutMs + 1_000);
      expect(names(withLocation)).toContain('Fault Falafel');
      expect(withLocation.data?.['vendors'].edges[0].node.location).toBeNull();
      expect(withLocation.errors?.[0]?.extensions?.['code']).toBe('GATEWAY_TIMEOUT');
      expect(vendorOnly.response.errors).toBeUndefined();
      expect(vendorOnly.ms).toBeLessThan(500);
    } finally {
      location.child.kill('SIGCONT');
    }
  }, 30_000);
});
