import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, queryRows, startStack, type GraphQLResponse, type TestStack } from './index.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const REGISTER = `mutation ($input: RegisterInput!) {
  register(input: $input) { user { id username displayName } }
}`;

/** A register request whose display name is `displayName` bytes, spliced into otherwise valid JSON. */
function registerBody(username: string, displayName: Buffer): Buffer {
  const [before, after] = JSON.stringify({
    query: REGISTER,
    variables: {
      input: { email: `${username}@example.com`, username, password: `password-of-${username}`, displayName: '@@' },
    },
  }).split('@@') as [string, string];
  return Buffer.concat([Buffer.from(before), displayName, Buffer.from(after)]);
}

async function post(url: string, body: Buffer): Promise<GraphQLResponse> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, headers: response.headers, ...((await response.json()) as object) };
}

async function usersNamed(username: string) {
  return queryRows(stack.databases.user, 'select display_name from app_user where username = $1', [username]);
}

describe('hostile input', () => {
  it('refuses a body that is not UTF-8, at the gateway and at a subgraph, and stores nothing', async () => {
    const invalid = Buffer.concat([Buffer.from('Ana '), Buffer.from([0xff, 0xfe]), Buffer.from(' Lopez')]);
    for (const [url, username] of [
      [stack.gatewayUrl, 'bad_bytes_gateway'],
      [stack.subgraphUrls.user, 'bad_bytes_subgraph'],
    ] as const) {
      const response = await post(url, registerBody(username, invalid));
      expect(response.status).toBe(400);
      expect(response.errors?.[0]?.extensions?.['code']).toBe('BAD_REQUEST');
      expect(response.data).toBeUndefined();
      expect(await usersNamed(username)).toEqual([]);
    }
    // The subgraph says what is wrong; the gateway's words are its own (see gateway.ts handleGraphQL).
    const direct = await post(stack.subgraphUrls.user, registerBody('bad_bytes_subgraph', invalid));
    expect(direct.errors?.[0]?.message).toBe('The request body is not valid UTF-8.');
  });

  it('stores the same name exactly when its bytes are valid UTF-8', async () => {
    const response = await post(stack.gatewayUrl, registerBody('good_bytes', Buffer.from('Ana ÿþ Lopez 🌮')));
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(await usersNamed('good_bytes')).toEqual([{ display_name: 'Ana ÿþ Lopez 🌮' }]);
  });

  it('refuses a GET whose query string escapes are not UTF-8', async () => {
    const headers = { 'apollo-require-preflight': 'true' };
    for (const url of [stack.gatewayUrl, stack.subgraphUrls.user]) {
      const valid = await fetch(`${url}?query=%7B__typename%7D`, { headers });
      expect(valid.status).toBe(200);
      const response = await fetch(`${url}?query=%7B__typename%7D%FF`, { headers });
      expect(response.status).toBe(400);
      const body = (await response.json()) as Pick<GraphQLResponse, 'errors'>;
      expect(body.errors?.[0]?.extensions?.['code']).toBe('BAD_REQUEST');
    }
  });

  it('refuses an email built to make a backtracking pattern crawl, within a second', async () => {
    // 80 kB: the old pattern took about 6 s to refuse it, freezing the user subgraph meanwhile.
    const email = `a@${'a.'.repeat(40_000)}@`;
    const started = performance.now();
    const response = await graphql(stack.gatewayUrl, REGISTER, {
      input: { email, username: 'crawling_email', password: 'password-of-crawler', displayName: 'Crawler' },
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { email: expect.stringContaining('320') },
    });
    expect(await usersNamed('crawling_email')).toEqual([]);
  });

  it('refuses an over-long login or password before looking anyone up', async () => {
    const LOGIN = 'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }';
    const longLogin = await graphql(stack.gatewayUrl, LOGIN, { input: { login: 'a'.repeat(100_000), password: 'x' } });
    expect(longLogin.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { login: expect.any(String) },
    });
    const longPassword = await graphql(stack.gatewayUrl, LOGIN, {
      input: { login: 'ana', password: 'p'.repeat(100_000) },
    });
    expect(longPassword.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { password: expect.stringContaining('256') },
    });
  });
});
