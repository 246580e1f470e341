import { createRequire } from 'node:module';
import type { GraphQLError } from 'graphql';
import { accountBlockedError, type AccountBlocklist, type Viewer } from '@curbside/auth';

/**
 * graphql's CommonJS build, the one graphql-ws checks returned errors against (`instanceof GraphQLError`):
 * `@curbside/errors` may load the other build (under vitest it does), and graphql-ws would then reject the
 * refusal as an invalid `onSubscribe` result and close the socket.
 */
const graphqlCjs = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/**
 * The error a new subscription on an already-open socket must be refused with when its viewer's account was
 * suspended (FORBIDDEN) or closed (UNAUTHENTICATED) since the socket was verified; null to let it through.
 * The socket's token was checked once, at `connection_init`: this re-checks only the blocklist (one read), not
 * the token. When the blocklist cannot be read, `onUnavailable` is told (default: nothing) and the token alone
 * decides, as for HTTP requests. Open subscriptions of such an account are ended by `SubscriptionService`.
 */
export async function accountBlockError(
  blocklist: AccountBlocklist,
  viewer: Viewer | null,
  onUnavailable: (error: unknown) => void = () => undefined,
): Promise<GraphQLError | null> {
  if (!viewer) return null;
  let block;
  try {
    block = await blocklist.statusOf(viewer.userId);
  } catch (error) {
    onUnavailable(error);
    return null;
  }
  if (!block) return null;
  const error = accountBlockedError(block);
  return new graphqlCjs.GraphQLError(error.message, { extensions: error.extensions });
}
