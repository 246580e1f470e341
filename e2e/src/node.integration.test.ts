/**
 * Global object identification through the gateway: each entity type's `globalId`, fetched again with
 * `node(id:)` and `nodes(ids:)`. The search subgraph owns the lookup and only decodes the id; every field
 * comes from the owning subgraph, which answers null for what does not exist, exactly as its own field does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, graphql, registerUser, startStack, type Account, type TestStack } from './index.ts';
import { createPost } from './social.ts';

let stack: TestStack;
let owner: Account;
beforeAll(async () => {
  stack = await startStack();
  owner = await registerUser(stack.gatewayUrl, 'node_owner');
});
afterAll(async () => {
  await stack?.stop();
});

const nodeDocument = `
  query ($id: ID!) {
    node(id: $id) {
      __typename
      globalId
      ... on User { id username email }
      ... on Vendor { id name owner { username } }
      ... on Post { id body author { username } }
      ... on Comment { id body post { id } }
      ... on Media { id status owner { username } }
    }
  }
`;

async function node(globalId: string, token?: string) {
  return dataOf(await graphql(stack.gatewayUrl, nodeDocument, { id: globalId }, { token })).node;
}

/** The globalId of an object, read from the type's own field (`user(id:)`, `vendor(id:)`, ...). */
async function globalIdFrom(field: string, id: string): Promise<string> {
  const data = dataOf(await graphql(stack.gatewayUrl, `query ($id: ID!) { ${field}(id: $id) { globalId } }`, { id }));
  return data[field].globalId;
}

const decoded = (globalId: string) => Buffer.from(globalId, 'base64url').toString('utf8');

describe('node(id:) returns each entity type from its global id', () => {
  it('User', async () => {
    const globalId = await globalIdFrom('user', owner.id);
    expect(decoded(globalId)).toBe(`User:${owner.id}`);
    expect(await node(globalId, owner.accessToken)).toEqual({
      __typename: 'User',
      globalId,
      id: owner.id,
      username: 'node_owner',
      email: owner.email,
    });
    // Who may see what stays the owner's rule: anonymous, the email is null, as user(id:) gives it.
    expect((await node(globalId)).email).toBeNull();
  });

  it('Vendor', async () => {
    const vendorId = dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation { createVendor(input: { name: "Node Tacos", category: FOOD_TRUCK }) { id } }',
        {},
        { token: owner.accessToken },
      ),
    ).createVendor.id;
    const globalId = await globalIdFrom('vendor', vendorId);
    expect(decoded(globalId)).toBe(`Vendor:${vendorId}`);
    expect(await node(globalId)).toEqual({
      __typename: 'Vendor',
      globalId,
      id: vendorId,
      name: 'Node Tacos',
      owner: { username: 'node_owner' },
    });
  });

  it('Post', async () => {
    const postId = await createPost(stack, owner.accessToken, 'found by its global id');
    const globalId = await globalIdFrom('post', postId);
    expect(decoded(globalId)).toBe(`Post:${postId}`);
    expect(await node(globalId)).toEqual({
      __typename: 'Post',
      globalId,
      id: postId,
      body: 'found by its global id',
      author: { username: 'node_owner' },
    });
  });

  it('Comment', async () => {
    const postId = await createPost(stack, owner.accessToken, 'a post to comment on');
    const comment = dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($postId: ID!) { addComment(postId: $postId, body: "first!") { id globalId } }',
        { postId },
        { token: owner.accessToken },
      ),
    ).addComment;
    expect(decoded(comment.globalId)).toBe(`Comment:${comment.id}`);
    expect(await node(comment.globalId)).toEqual({
      __typename: 'Comment',
      globalId: comment.globalId,
      id: comment.id,
      body: 'first!',
      post: { id: postId },
    });
  });

  it('Media', async () => {
    const mediaId = dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation { createUpload(input: { filename: "a.png", contentType: "image/png", byteSize: 100 }) { media { id } } }',
        {},
        { token: owner.accessToken },
      ),
    ).createUpload.media.id;
    const globalId = await globalIdFrom('media', mediaId);
    expect(decoded(globalId)).toBe(`Media:${mediaId}`);
    expect(await node(globalId)).toEqual({
      __typename: 'Media',
      globalId,
      id: mediaId,
      status: 'PENDING_UPLOAD',
      owner: { username: 'node_owner' },
    });
  });
});

describe('what the owner does not return', () => {
  it('is null, whatever is selected: the owner is asked even for id alone', async () => {
    const gone = await registerUser(stack.gatewayUrl, 'node_leaver');
    const globalId = await globalIdFrom('user', gone.id);
    dataOf(
      await graphql(
        stack.gatewayUrl,
        'mutation ($password: String!) { deleteAccount(password: $password) }',
        { password: gone.password },
        { token: gone.accessToken },
      ),
    );
    // user(id:) gives null for a closed account; node(id:) gives what it gives.
    const user = await graphql(stack.gatewayUrl, 'query ($id: ID!) { user(id: $id) { id } }', { id: gone.id });
    expect(dataOf(user).user).toBeNull();
    const response = await graphql(stack.gatewayUrl, 'query ($id: ID!) { node(id: $id) { ... on User { id } } }', {
      id: globalId,
    });
    expect(response).toMatchObject({ data: { node: null } });
    expect(response.errors).toBeUndefined();
    expect(await node(globalId)).toBeNull();

    const neverWas = Buffer.from('Post:00000000-0000-4000-8000-000000000000').toString('base64url');
    expect(await node(neverWas)).toBeNull();
  });
});

describe('nodes(ids:)', () => {
  it('answers in the order of the ids, null where node(id:) gives null, repeats included', async () => {
    const userGlobalId = await globalIdFrom('user', owner.id);
    const postId = await createPost(stack, owner.accessToken, 'one of several');
    const postGlobalId = await globalIdFrom('post', postId);
    const missing = Buffer.from('Vendor:00000000-0000-4000-8000-000000000000').toString('base64url');
    const { nodes } = dataOf(
      await graphql(
        stack.gatewayUrl,
        'query ($ids: [ID!]!) { nodes(ids: $ids) { globalId ... on User { username } ... on Post { body } } }',
        { ids: [postGlobalId, missing, userGlobalId, postGlobalId] },
      ),
    );
    expect(nodes).toEqual([
      { globalId: postGlobalId, body: 'one of several' },
      null,
      { globalId: userGlobalId, username: 'node_owner' },
      { globalId: postGlobalId, body: 'one of several' },
    ]);
  });

  it('refuses more than 100 ids, and ids that are not global ids, as BAD_USER_INPUT', async () => {
    const userGlobalId = await globalIdFrom('user', owner.id);
    const tooMany = await graphql(stack.gatewayUrl, 'query ($ids: [ID!]!) { nodes(ids: $ids) { globalId } }', {
      ids: Array.from({ length: 101 }, () => userGlobalId),
    });
    expect(tooMany.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');

    // A type's own id is not a global id.
    const rawId = await graphql(stack.gatewayUrl, 'query ($id: ID!) { node(id: $id) { globalId } }', {
      id: owner.id,
    });
    expect(rawId.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: { id: expect.any(String) } });
  });
});
