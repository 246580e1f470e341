/**
 * The data `bench:gateway` reads, seeded through the real API. `@curbside/e2e` is loaded on first use, after the
 * benchmark has set its test-run environment.
 */
import type { Account, TestStack as Stack } from '@curbside/e2e';
import { checkedData } from '../common/report.ts';
import { createPostsWithReactions, uploadImage } from '../common/seeding.ts';
import { imageCount, ownerCount, postCount, vendorsPerOwner } from './mix.ts';

const lisbon = { lat: 38.7223, lng: -9.1393 };

/** A mutation or query as `owner`, its data checked. */
const asOwner = async <Data>(stack: Stack, owner: Account, query: string, variables: Record<string, unknown>) => {
  const { graphql } = await import('@curbside/e2e');
  return checkedData(await graphql<Data>(stack.gatewayUrl, query, variables, { token: owner.accessToken }));
};

/** A vendor with a position, open when `open`; the location subgraph must know it before it can be placed. */
async function seedVendor(stack: Stack, owner: Account, index: number, open: boolean): Promise<string> {
  const { createVendorSeenByLocation } = await import('@curbside/e2e');
  const id = await createVendorSeenByLocation(stack, `Bench vendor ${index}`, owner.accessToken);
  await asOwner(
    stack,
    owner,
    'mutation ($input: UpdateVendorLocationInput!) { updateVendorLocation(input: $input) { updatedAt } }',
    {
      input: {
        vendorId: id,
        lat: lisbon.lat + ((index % 7) - 3) * 0.002,
        lng: lisbon.lng + ((index % 5) - 2) * 0.002,
      },
    },
  );
  if (open) await asOwner(stack, owner, 'mutation ($id: ID!) { openVendor(id: $id) { id } }', { id });
  return id;
}

/**
 * Seeds through the API: `ownerCount` owners with `vendorsPerOwner` vendors each (placed around Lisbon, every third
 * open), `postCount` posts with two of `imageCount` photos each by the first owner, liked and commented on by the
 * others; returns the author and every owner signed in again (fresh tokens).
 */
export async function seed(stack: Stack) {
  const { graphql, registerUser } = await import('@curbside/e2e');
  const owners = await Promise.all(
    Array.from({ length: ownerCount }, (_, index) => registerUser(stack.gatewayUrl, `bench_owner_${index}`)),
  );
  const vendorIds = await Promise.all(
    owners.map(async (owner, ownerIndex) => {
      const ids: string[] = [];
      for (let index = 0; index < vendorsPerOwner; index++) {
        const number = ownerIndex * vendorsPerOwner + index;
        ids.push(await seedVendor(stack, owner, number, number % 3 === 0));
      }
      return ids;
    }),
  );
  const author = owners[0]!;
  const mediaIds: string[] = [];
  for (let index = 0; index < imageCount; index++) mediaIds.push(await uploadImage(stack, author, index));
  await createPostsWithReactions(stack, author, owners.slice(1), {
    count: postCount,
    mediaIds,
    vendorId: vendorIds[0]![0]!,
  });
  // Fresh tokens (15 minutes) for the measurement, whatever the seeding took.
  const viewers = await Promise.all(
    owners.map(async (owner) => {
      const { login } = checkedData(
        await graphql<{ login: { accessToken: string } }>(
          stack.gatewayUrl,
          'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
          { input: { login: owner.username, password: owner.password } },
        ),
      );
      return { ...owner, accessToken: login.accessToken };
    }),
  );
  return { author, viewers };
}
