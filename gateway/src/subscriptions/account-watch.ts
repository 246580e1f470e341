import type { GraphQLError } from 'graphql';
import { accountBlockedError, type AccountBlocklist, type Viewer } from '@curbside/auth';

/**
 * The error a new subscription on an already-open socket must be refused with when its viewer's account was
 * suspended (FORBIDDEN) or closed (UNAUTHENTICATED) since the socket was verified; null to let it through.
 * The socket's token was checked once, at `connection_init`: this re-checks only the blocklist (one read), not
 * the token. When the blocklist cannot be read, `onUnavailable` is told and the token alone decides, as for
 * HTTP requests. Open subscriptions of such an account are ended by `SubscriptionService` itself.
 */
export async function accountBlockError(
  blocklist: AccountBlocklist,
  viewer: Viewer | null,
  onUnavailable: (error: unknown) => void = () => undefined,
): Promise<GraphQLError | null> {
  if (!viewer) return null;
  try {
    const block = await blocklist.statusOf(viewer.userId);
    return block ? accountBlockedError(block) : null;
  } catch (error) {
    onUnavailable(error);
    return null;
  }
}
