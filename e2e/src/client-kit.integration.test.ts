/**
 * The client kit (`@curbside/client`) against a real stack whose gateway runs in safelist mode with the kit's
 * own manifest: every trusted document runs through real Apollo Client (queries and mutations over HTTP,
 * subscriptions over graphql-ws and multipart HTTP), an unlisted one is refused, and a subscription loses no
 * event, nor receives one twice, when its connection is cut.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gql, type ApolloClient } from '@apollo/client';
import {
  AddComment,
  CommentAdded,
  CreatePost,
  CreateVendor,
  Login,
  Me,
  MoveVendor,
  MyFeed,
  OpenVendor,
  RefreshSession,
  Register,
  VendorMoves,
  VendorsNearMe,
  createCurbsideClient,
  errorCodeOf,
  trustedDocuments,
  type CurbsideClient,
  type CurbsideClientOptions,
} from '@curbside/client';
import { DocumentManifest } from '@curbside/gateway';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, signAccessToken, startStack, startTcpProxy, waitFor, type TestStack } from './index.ts';

const manifestPath = fileURLToPath(import.meta.resolve('@curbside/client/persisted-documents.json'));
const operationNames = Object.values(trustedDocuments).map((text) => /^\w+ (\w+)/.exec(text)![1]!);
const supergraphPath = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));
const lisbon = { lat: 38.7223, lng: -9.1393 };

let stack: TestStack;
const clients: CurbsideClient[] = [];

/** A kit client on this stack (or on `url`), quick to reconnect, closed after the file. */
function kit(options: Partial<CurbsideClientOptions> & { url?: string } = {}): CurbsideClient {
  const created = createCurbsideClient({
    url: stack.gatewayUrl,
    webSocketImpl: WebSocket,
    retryWait: () => new Promise((resolve) => setTimeout(resolve, 100)),
    retryAttempts: 200,
    ...options,
  });
  clients.push(created);
  return created;
}

/** Every result of a subscription, as it arrives; `stop` unsubscribes. */
function collect<T>(client: ApolloClient, options: Parameters<ApolloClient['subscribe']>[0]) {
  const results: T[] = [];
  const errors: unknown[] = [];
  const subscription = client.subscribe(options).subscribe({
    next: (result) => {
      if (result.error) errors.push(result.error);
      else results.push(result.data as T);
    },
    error: (error) => void errors.push(error),
  });
  return { results, errors, stop: () => subscription.unsubscribe() };
}

/** An earlier test's subscriptions are released after it stops them: counts start once they are gone. */
const noSubscriptionLeft = () =>
  waitFor(
    'no subscription left from an earlier test',
    async () => stack.gateway.subscriptionStats().subscriptions === 0,
  );

beforeAll(async () => {
  stack = await startStack({
    gateway: { persistedDocuments: { mode: 'safelist', manifest: DocumentManifest.load(manifestPath) } },
  });
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await stack?.stop();
});

describe('Apollo Client through @curbside/client, gateway in safelist mode', () => {
  it('runs every trusted document (queries, mutations, subscriptions over graphql-ws and multipart)', async () => {
    const ran = new Set<string>();
    const record = <T extends { data?: unknown; error?: unknown }>(name: string, result: T) => {
      expect(result.error, name).toBeUndefined();
      ran.add(name);
      return result.data as NonNullable<T['data']>;
    };
    const anonymous = kit().client;
    const input = { email: 'kit@example.com', username: 'kit_owner', password: 'kit-password-123', displayName: 'Kit' };
    const registered = record('Register', await anonymous.mutate({ mutation: Register, variables: { input } }));
    // Every selection set but the root carries the __typename Apollo Client's cache asks for.
    expect(registered.register.__typename).toBe('AuthPayload');
    expect(registered.register.user.__typename).toBe('User');
    const signedIn = record(
      'Login',
      await anonymous.mutate({ mutation: Login, variables: { login: 'kit_owner', password: 'kit-password-123' } }),
    );
    const refreshed = record(
      'RefreshSession',
      await anonymous.mutate({ mutation: RefreshSession, variables: { refreshToken: signedIn.login.refreshToken } }),
    );
    let token = refreshed.refreshSession.accessToken;
    const owner = kit({ getAccessToken: () => token });
    const overHttp = kit({ getAccessToken: () => token, subscriptions: 'multipart' });

    const vendor = record(
      'CreateVendor',
      await owner.client.mutate({
        mutation: CreateVendor,
        variables: { input: { name: 'Kit Kebab', category: 'FOOD_TRUCK' } },
      }),
    ).createVendor;
    expect(vendor.__typename).toBe('Vendor');
    record('OpenVendor', await owner.client.mutate({ mutation: OpenVendor, variables: { id: vendor.id } }));
    const me = record('Me', await owner.client.query({ query: Me })).me!;
    expect(me).toMatchObject({
      __typename: 'User',
      username: 'kit_owner',
      vendors: [{ __typename: 'Vendor', id: vendor.id }],
    });
    const post = record(
      'CreatePost',
      await owner.client.mutate({ mutation: CreatePost, variables: { input: { body: 'Kit opens today' } } }),
    ).createPost;
    const feed = record('MyFeed', await owner.client.query({ query: MyFeed, fetchPolicy: 'network-only' })).feed;
    expect(feed.edges.map((edge) => edge.node.id)).toEqual([post.id]);

    await waitFor(
      'the location copy of the vendor',
      async () =>
        (await queryRows(stack.databases.location, 'select 1 from vendor_copy where vendor_id = $1', [vendor.id]))
          .length > 0,
    );
    const moves = [owner, overHttp].map((client) =>
      collect<{ vendorLocationUpdated: { lat: number; vendor: { __typename: string; id: string } } }>(client.client, {
        query: VendorMoves,
        variables: { vendorId: vendor.id },
      }),
    );
    const comments = [owner, overHttp].map((client) =>
      collect<{ commentAdded: { body: string; __typename: string } }>(client.client, {
        query: CommentAdded,
        variables: { postId: post.id },
      }),
    );
    await waitFor('four subscriptions', async () => stack.gateway.subscriptionStats().subscriptions === 4);
    record(
      'MoveVendor',
      await owner.client.mutate({ mutation: MoveVendor, variables: { input: { vendorId: vendor.id, ...lisbon } } }),
    );
    record(
      'AddComment',
      await owner.client.mutate({ mutation: AddComment, variables: { postId: post.id, body: 'First!' } }),
    );
    await waitFor('every event on both transports', async () =>
      [...moves, ...comments].every((subscription) => subscription.results.length === 1),
    );
    for (const subscription of [...moves, ...comments]) {
      expect(subscription.errors).toEqual([]);
      subscription.stop();
    }
    expect(moves.map(({ results }) => results[0]!.vendorLocationUpdated)).toEqual([
      {
        __typename: 'VendorLocation',
        lat: lisbon.lat,
        lng: lisbon.lng,
        updatedAt: expect.any(String),
        vendor: { __typename: 'Vendor', id: vendor.id, name: 'Kit Kebab' },
      },
      {
        __typename: 'VendorLocation',
        lat: lisbon.lat,
        lng: lisbon.lng,
        updatedAt: expect.any(String),
        vendor: { __typename: 'Vendor', id: vendor.id, name: 'Kit Kebab' },
      },
    ]);
    expect(comments.map(({ results }) => results[0]!.commentAdded)).toMatchObject([
      { __typename: 'Comment', body: 'First!' },
      { __typename: 'Comment', body: 'First!' },
    ]);
    ran.add('VendorMoves').add('CommentAdded');

    record('VendorsNearMe', await anonymous.query({ query: VendorsNearMe, variables: lisbon }));
    expect([...ran].sort()).toEqual([...operationNames].sort());
  });

  it('refuses a document that is not in the manifest, over HTTP, graphql-ws and multipart', async () => {
    stack.resetCounters();
    const unlisted = gql`
      query Unlisted {
        vendors(first: 1) {
          edges {
            node {
              id
            }
          }
        }
      }
    `;
    const refusal = await kit()
      .client.query({ query: unlisted })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(errorCodeOf(refusal)).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    const unlistedSubscription = gql`
      subscription Unlisted {
        vendorLocationUpdated(vendorId: "x") {
          lat
        }
      }
    `;
    for (const client of [kit(), kit({ subscriptions: 'multipart' })]) {
      const refused = collect(client.client, { query: unlistedSubscription });
      const error = await waitFor('the refusal', async () => refused.errors[0]);
      expect(errorCodeOf(error)).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    }
    // Not one subgraph was asked.
    expect(Object.values(stack.subgraphRequests).reduce((sum, count) => sum + count, 0)).toBe(0);
  });
});

describe('a connection cut during a subscription', () => {
  it('loses no event and repeats none, over graphql-ws and over multipart', async () => {
    const account = kit().client;
    const session = (
      await account.mutate({
        mutation: Register,
        variables: {
          input: { email: 'cut@example.com', username: 'kit_cut', password: 'kit-password-123', displayName: 'Cut' },
        },
      })
    ).data!.register;
    const token = session.accessToken;
    const owner = kit({ getAccessToken: () => token });
    const postId = (await owner.client.mutate({ mutation: CreatePost, variables: { input: { body: 'Cut me' } } })).data!
      .createPost.id;
    const line = await startTcpProxy(Number(new URL(stack.gatewayUrl).port));
    try {
      const url = `http://127.0.0.1:${line.port}/graphql`;
      await noSubscriptionLeft();
      const before = stack.gateway.subscriptionStats().subscriptions;
      const transports = {
        ws: kit({ url, getAccessToken: () => token }),
        multipart: kit({ url, getAccessToken: () => token, subscriptions: 'multipart' }),
      };
      const received = Object.fromEntries(
        Object.entries(transports).map(([name, client]) => [
          name,
          collect<{ commentAdded: { body: string } }>(client.client, { query: CommentAdded, variables: { postId } }),
        ]),
      );
      const bodies = (name: string) => received[name]!.results.map((result) => result.commentAdded.body);
      const comment = async (body: string) => {
        const result = await owner.client.mutate({ mutation: AddComment, variables: { postId, body } });
        expect(result.error).toBeUndefined();
      };
      await waitFor('both subscribed', async () => stack.gateway.subscriptionStats().subscriptions === before + 2);
      await comment('one');
      await waitFor('the first comment', async () => bodies('ws').length === 1 && bodies('multipart').length === 1);

      line.cut();
      await waitFor('both connections gone', async () => stack.gateway.subscriptionStats().subscriptions === before);
      await comment('two');
      await comment('three');
      line.restore();
      // The clients back off while the line is cut (up to 10 s between attempts, with jitter): the next attempt
      // after the restore can be seconds away, more on a busy machine.
      await waitFor(
        'both resubscribed',
        async () => stack.gateway.subscriptionStats().subscriptions === before + 2,
        25_000,
      );
      await comment('four');
      await waitFor(
        'the live comment',
        async () => bodies('ws').at(-1) === 'four' && bodies('multipart').at(-1) === 'four',
      );
      expect(bodies('ws')).toEqual(['one', 'two', 'three', 'four']);
      expect(bodies('multipart')).toEqual(['one', 'two', 'three', 'four']);
      for (const subscription of Object.values(received)) {
        expect(subscription.errors).toEqual([]);
        subscription.stop();
      }
    } finally {
      await line.close();
    }
  });
});

describe('token refresh', () => {
  it('reconnects with the token getAccessToken gives then, not the one it connected with', async () => {
    const session = (
      await kit().client.mutate({
        mutation: Register,
        variables: {
          input: { email: 'token@example.com', username: 'kit_token', password: 'kit-password-123', displayName: 'T' },
        },
      })
    ).data!.register;
    const owner = kit({ getAccessToken: () => session.accessToken });
    const postId = (await owner.client.mutate({ mutation: CreatePost, variables: { input: { body: 'Refresh me' } } }))
      .data!.createPost.id;
    // The subscribers start with a token that expires in 4 seconds, and get a fresh one while they are offline.
    let token = await signAccessToken(stack, session.user.id, 4);
    const expiresAt = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp * 1000;
    const asked: string[] = [];
    const getAccessToken = () => {
      asked.push(token);
      return token;
    };
    const line = await startTcpProxy(Number(new URL(stack.gatewayUrl).port));
    try {
      const url = `http://127.0.0.1:${line.port}/graphql`;
      await noSubscriptionLeft();
      const before = stack.gateway.subscriptionStats().subscriptions;
      const received = (['graphql-ws', 'multipart'] as const).map((subscriptions) =>
        collect<{ commentAdded: { body: string } }>(kit({ url, getAccessToken, subscriptions }).client, {
          query: CommentAdded,
          variables: { postId },
        }),
      );
      const bodies = () => received.map(({ results }) => results.map((result) => result.commentAdded.body));
      const comment = async (body: string) => {
        const result = await owner.client.mutate({ mutation: AddComment, variables: { postId, body } });
        expect(result.error).toBeUndefined();
      };
      await waitFor('both subscribed', async () => stack.gateway.subscriptionStats().subscriptions === before + 2);
      await comment('before');
      await waitFor('the first comment', async () => bodies().every((list) => list.length === 1));

      line.cut();
      await waitFor('both connections gone', async () => stack.gateway.subscriptionStats().subscriptions === before);
      await waitFor('the first token expired', async () => Date.now() > expiresAt + 100, 8_000);
      await comment('while offline');
      const firstToken = token;
      token = session.accessToken;
      line.restore();
      // The clients back off while the line is cut (up to 10 s between attempts, with jitter): the next attempt
      // after the restore can be seconds away, more on a busy machine.
      await waitFor(
        'both resubscribed',
        async () => stack.gateway.subscriptionStats().subscriptions === before + 2,
        25_000,
      );
      await comment('after');
      await waitFor('the live comment', async () => bodies().every((list) => list.at(-1) === 'after'));
      expect(bodies()).toEqual([
        ['before', 'while offline', 'after'],
        ['before', 'while offline', 'after'],
      ]);
      for (const subscription of received) {
        expect(subscription.errors).toEqual([]);
        subscription.stop();
      }
      // Asked at the first connection (and each multipart attempt), then again once the line was back.
      expect(asked[0]).toBe(firstToken);
      expect(asked.at(-1)).toBe(session.accessToken);
    } finally {
      await line.close();
    }
  }, 60_000);
  it('subscribes again with a refreshed token when the one in use expires, over graphql-ws and multipart', async () => {
    const session = (
      await kit().client.mutate({
        mutation: Register,
        variables: {
          input: {
            email: 'expiry@example.com',
            username: 'kit_expiry',
            password: 'kit-password-123',
            displayName: 'E',
          },
        },
      })
    ).data!.register;
    const owner = kit({ getAccessToken: () => session.accessToken });
    const postId = (await owner.client.mutate({ mutation: CreatePost, variables: { input: { body: 'Expire me' } } }))
      .data!.createPost.id;
    let token = await signAccessToken(stack, session.user.id, 4);
    const expiresAt = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp * 1000;
    await noSubscriptionLeft();
    const before = stack.gateway.subscriptionStats();
    // Over graphql-ws the socket is restarted so that connection_init carries the new token.
    const received = (['graphql-ws', 'multipart'] as const).map((subscriptions) =>
      collect<{ commentAdded: { body: string } }>(kit({ getAccessToken: () => token, subscriptions }).client, {
        query: CommentAdded,
        variables: { postId },
      }),
    );
    const bodies = () => received.map(({ results }) => results.map((result) => result.commentAdded.body));
    const comment = async (body: string) => {
      const result = await owner.client.mutate({ mutation: AddComment, variables: { postId, body } });
      expect(result.error).toBeUndefined();
    };
    await waitFor(
      'both subscribed',
      async () => stack.gateway.subscriptionStats().subscriptions === before.subscriptions + 2,
    );
    await comment('before');
    await waitFor('the first comment', async () => bodies().every((list) => list.length === 1));
    // The app refreshes its session ahead of expiry; the open socket and stream still carry the first token.
    token = session.accessToken;
    await waitFor('the first token expired', async () => Date.now() > expiresAt + 100, 8_000);
    await comment('around the expiry');
    await waitFor('both resumed', async () => stack.gateway.subscriptionStats().resumes >= before.resumes + 2);
    await comment('after');
    await waitFor('the live comment', async () => bodies().every((list) => list.at(-1) === 'after'));
    expect(bodies()).toEqual([
      ['before', 'around the expiry', 'after'],
      ['before', 'around the expiry', 'after'],
    ]);
    for (const subscription of received) {
      expect(subscription.errors).toEqual([]);
      subscription.stop();
    }
  });
});

describe('a supergraph reload', () => {
  it('leaves the subscriptions open, nothing missed, none subscribed again, over graphql-ws and multipart', async () => {
    const session = (
      await kit().client.mutate({
        mutation: Register,
        variables: {
          input: {
            email: 'reload@example.com',
            username: 'kit_reload',
            password: 'kit-password-123',
            displayName: 'R',
          },
        },
      })
    ).data!.register;
    const owner = kit({ getAccessToken: () => session.accessToken });
    const postId = (await owner.client.mutate({ mutation: CreatePost, variables: { input: { body: 'Reload me' } } }))
      .data!.createPost.id;
    await noSubscriptionLeft();
    const before = stack.gateway.subscriptionStats().subscriptions;
    const received = (['graphql-ws', 'multipart'] as const).map((subscriptions) =>
      collect<{ commentAdded: { body: string } }>(kit({ subscriptions }).client, {
        query: CommentAdded,
        variables: { postId },
      }),
    );
    const bodies = () => received.map(({ results }) => results.map((result) => result.commentAdded.body));
    const comment = async (body: string) => {
      const result = await owner.client.mutate({ mutation: AddComment, variables: { postId, body } });
      expect(result.error).toBeUndefined();
    };
    await waitFor('both subscribed', async () => stack.gateway.subscriptionStats().subscriptions === before + 2);
    await comment('before the reload');
    await waitFor('the first comment', async () => bodies().every((list) => list.length === 1));

    const { resumes, reloadContinued } = stack.gateway.subscriptionStats();
    // The gateway plans them again on the new schema and they go on: the client has nothing to do.
    stack.gateway.reloadSupergraph(`${readFileSync(supergraphPath, 'utf8')}\n`);
    expect(stack.gateway.subscriptionStats().reloadContinued).toBe(reloadContinued + 2);
    await comment('during the reload');
    await comment('after the reload');
    await waitFor('the live comment', async () => bodies().every((list) => list.at(-1) === 'after the reload'));
    expect(bodies()).toEqual([
      ['before the reload', 'during the reload', 'after the reload'],
      ['before the reload', 'during the reload', 'after the reload'],
    ]);
    expect(stack.gateway.subscriptionStats().resumes).toBe(resumes);
    for (const subscription of received) {
      expect(subscription.errors).toEqual([]);
      subscription.stop();
    }
  });
});
