/** A minimal GraphQL-over-HTTP client for tests: returns status, headers and the parsed body. */
export interface GraphQLResponse<Data = Record<string, any>> {
  status: number;
  headers: Headers;
  data?: Data | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export async function graphql<Data = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: { token?: string | undefined; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<Data>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Data | null; errors?: GraphQLResponse['errors'] };
  return { status: response.status, headers: response.headers, ...body };
}

/** The data of a response that must have no errors; throws with the errors otherwise. */
export function dataOf<Data>(response: GraphQLResponse<Data>): Data {
  if (response.errors?.length || !response.data) {
    throw new Error(`GraphQL errors (HTTP ${response.status}): ${JSON.stringify(response.errors)}`);
  }
  return response.data;
}

let sequence = 0;

/** Registers a fresh user through `url` and returns its tokens and id. */
export async function registerUser(url: string, name = `user${Date.now() % 1e6}${sequence++}`) {
  const username = name
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 30);
  const password = `password-of-${username}`;
  const response = await graphql<{
    register: { accessToken: string; refreshToken: string; user: { id: string; username: string } };
  }>(
    url,
    `
      mutation ($input: RegisterInput!) {
        register(input: $input) {
          accessToken
          refreshToken
          user {
            id
            username
          }
        }
      }
    `,
    { input: { email: `${username}@example.com`, username, password, displayName: name } },
  );
  const { register } = dataOf(response);
  return { ...register, id: register.user.id, username, password, email: `${username}@example.com` };
}
