/** The social actions of feed and notification tests, through the gateway: follow, post, vendors. */
import { dataOf, graphql } from './client.ts';
import { queryRows } from './database.ts';
import { waitFor } from './wait.ts';
import { createVendorSeenBy } from './actors.ts';
import type { TestStack } from './stack.ts';

type Stack = Pick<TestStack, 'gatewayUrl' | 'databases'>;

/** Follows (or unfollows) a user through the gateway. */
export async function setFollowingUser(stack: Stack, token: string, userId: string, following = true): Promise<void> {
  dataOf(
    await graphql(
      stack.gatewayUrl,
      `mutation ($userId: ID!) { ${following ? 'followUser' : 'unfollowUser'}(userId: $userId) { id } }`,
      { userId },
      { token },
    ),
  );
}

/** Follows (or unfollows) a vendor through the gateway. */
export async function setFollowingVendor(
  stack: Stack,
  token: string,
  vendorId: string,
  following = true,
): Promise<void> {
  dataOf(
    await graphql(
      stack.gatewayUrl,
      `mutation ($vendorId: ID!) { ${following ? 'followVendor' : 'unfollowVendor'}(vendorId: $vendorId) { id } }`,
      { vendorId },
      { token },
    ),
  );
}

/** Waits until the post subgraph's follow copy says `followerId` follows (or not) the user or vendor `targetId`. */
export async function waitForFollowCopy(
  stack: Stack,
  followerId: string,
  target: { userId: string } | { vendorId: string },
  following = true,
): Promise<void> {
  const [sql, targetId] =
    'userId' in target
      ? ['select following from user_follow_copy where follower_id = $1 and followee_id = $2', target.userId]
      : ['select following from vendor_follow_copy where user_id = $1 and vendor_id = $2', target.vendorId];
  await waitFor(`the post subgraph's copy of ${followerId} ${following ? '' : 'un'}following ${targetId}`, async () => {
    const [row] = await queryRows(stack.databases.post, sql, [followerId, targetId]);
    return following ? row?.['following'] === true : !row || row['following'] === false;
  });
}

/** Creates a vendor through the gateway and waits until the post subgraph knows it (so its owner may post as it). */
export const createVendorSeenByPost = (stack: Stack, token: string, name: string): Promise<string> =>
  createVendorSeenBy('post', stack, name, token);

/** Creates a post through the gateway (as `vendorId` when given) and returns its id. */
export async function createPost(stack: Stack, token: string, body: string, vendorId?: string): Promise<string> {
  return dataOf(
    await graphql(
      stack.gatewayUrl,
      'mutation ($input: CreatePostInput!) { createPost(input: $input) { id } }',
      { input: { body, ...(vendorId ? { vendorId } : {}) } },
      { token },
    ),
  ).createPost.id;
}
