/**
 * How a frontend talks to Curbside with the client kit (`@curbside/client`): one Apollo Client whose
 * operations are the kit's trusted documents, whose access token is refreshed before it expires, and whose
 * subscriptions resume from the last event after the network comes back.
 */
import { createCurbsideClient, Login, RefreshSession, VendorMoves, type CurbsideClient } from '@curbside/client';

/** Refresh this long before the access token expires: 30 seconds. */
const refreshMarginMs = 30_000;

interface Session {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
}

/**
 * Signs in, then returns a client that keeps its session fresh: every HTTP request and every socket
 * connection (reconnections included) asks `getAccessToken`, which trades the refresh token for a new pair when
 * the access token is about to expire. A refresh token is single use: only the newest one is kept.
 */
export async function signedInClient(url: string, login: string, password: string): Promise<CurbsideClient> {
  // Signing in and refreshing need no token: they go through a client of their own, never waiting on the
  // token they are getting.
  const sessions = createCurbsideClient({ url, subscriptions: 'multipart' });
  const { data } = await sessions.client.mutate({ mutation: Login, variables: { login, password } });
  let session: Session = data!.login;
  let refreshing: Promise<Session> | null = null;
  const refresh = async (): Promise<Session> => {
    const refreshed = await sessions.client.mutate({
      mutation: RefreshSession,
      variables: { refreshToken: session.refreshToken },
    });
    return refreshed.data!.refreshSession;
  };
  const curbside = createCurbsideClient({
    url,
    getAccessToken: async () => {
      if (Date.parse(session.accessTokenExpiresAt) - Date.now() > refreshMarginMs) return session.accessToken;
      // One refresh at a time: concurrent requests wait for the same new pair.
      refreshing ??= refresh().finally(() => (refreshing = null));
      session = await refreshing;
      return session.accessToken;
    },
  });
  return {
    ...curbside,
    dispose: async () => {
      await Promise.all([curbside.dispose(), sessions.dispose()]);
    },
  };
}

/** Follows a vendor's moves on a map; no move is lost or repeated across a dropped connection. */
export function followVendor(curbside: CurbsideClient, vendorId: string, onMove: (lat: number, lng: number) => void) {
  return curbside.client.subscribe({ query: VendorMoves, variables: { vendorId } }).subscribe(({ data }) => {
    if (data) onMove(data.vendorLocationUpdated.lat, data.vendorLocationUpdated.lng);
  });
}
