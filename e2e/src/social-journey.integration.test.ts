/**
 * The events-and-workers issue's end-to-end journey through the gateway: a user follows another, the other
 * posts; the first sees the post in `feed`, gets `notificationReceived` live, and `search` finds the post by a
 * misspelt word.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPost,
  dataOf,
  disposeLiveClients,
  graphql,
  liveClient,
  registerUser,
  setFollowingUser,
  startStack,
  subscribe,
  waitFor,
  waitForFollowCopy,
  type TestStack,
} from './index.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await disposeLiveClients();
  await stack?.stop();
});

describe('follow, post, and everything that follows', () => {
  it('puts the post in the follower feed, notifies them live, and makes it searchable despite a typo', async () => {
    const reader = await registerUser(stack.gatewayUrl, 'journey_reader');
    const writer = await registerUser(stack.gatewayUrl, 'journey_writer');
    const live = subscribe(
      liveClient(stack.gatewayUrl, reader.accessToken),
      'subscription { notificationReceived { kind actor { username } post { id body } } }',
      {},
    );
    await setFollowingUser(stack, reader.accessToken, writer.id);
    await waitForFollowCopy(stack, reader.id, { userId: writer.id });

    const postId = await createPost(stack, writer.accessToken, 'Fresh tacos by the harbour tonight');

    const inFeed = await waitFor('the post in the follower feed', async () => {
      const { feed } = dataOf(
        await graphql(
          stack.gatewayUrl,
          '{ feed(first: 5) { edges { node { id body author { username } } } } }',
          {},
          { token: reader.accessToken },
        ),
      );
      return feed.edges.find((edge: { node: { id: string } }) => edge.node.id === postId);
    });
    expect(inFeed.node).toEqual({
      id: postId,
      body: 'Fresh tacos by the harbour tonight',
      author: { username: 'journey_writer' },
    });

    const notified = await live.next('the live notification', 10_000);
    expect(notified['data'].notificationReceived).toEqual({
      kind: 'NEW_POST',
      actor: { username: 'journey_writer' },
      post: { id: postId, body: 'Fresh tacos by the harbour tonight' },
    });

    const hit = await waitFor('the post found by a misspelt word', async () => {
      const { search } = dataOf(
        await graphql(
          stack.gatewayUrl,
          'query ($query: String!) { search(query: $query, types: [POST]) { edges { node { score node { ... on Post { id body } } } } } }',
          { query: 'tacso' },
        ),
      );
      return search.edges.find((edge: { node: { node: { id: string } | null } }) => edge.node.node?.id === postId);
    });
    expect(hit.node.score).toBeGreaterThan(0);
  });
});
