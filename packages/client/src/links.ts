/**
 * Apollo Client set up for Curbside, in one call:
 *
 *     const curbside = createCurbsideClient({ url: 'https://api.example.com/graphql', getAccessToken });
 *     curbside.client.subscribe({ query: VendorMoves, variables: { vendorId } });
 *     await curbside.dispose();
 *
 * Queries and mutations go over HTTP, subscriptions over graphql-ws (or multipart HTTP), every operation as a
 * trusted document (by id), with the access token `getAccessToken` gives at that moment.
 */
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, type ApolloCache } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { isSubscriptionOperation } from '@apollo/client/utilities';
import { createClient, type Client, type ClientOptions } from 'graphql-ws';
import { allHaveCode, backoff, defaultRetryAttempts, type ReconnectOptions } from './reconnect.ts';
import { resumableMultipartLink } from './resumable-multipart.ts';
import { resumableSubscriptions } from './resumable-subscriptions.ts';
import { sendTrustedDocuments, trustedDocumentsLink } from './trusted-documents.ts';

export interface CurbsideLinkOptions extends ReconnectOptions {
  /** The gateway's GraphQL endpoint over HTTP, such as `https://api.example.com/graphql`. */
  url: string;
  /**
   * How subscriptions travel: `graphql-ws` (default; one socket for all of them) or `multipart` (one HTTP
   * response each, for networks that block WebSockets). Both resume from the last event after a drop.
   */
  subscriptions?: 'graphql-ws' | 'multipart';
  /** The graphql-ws endpoint. Default: `url` with `ws:` or `wss:`. */
  wsUrl?: string;
  /**
   * The access token to send now, or null when signed out. Called for every HTTP request and on every
   * `connection_init` (each socket connection, reconnections included), so a token refreshed meanwhile is
   * the one sent. Default: always signed out.
   */
  getAccessToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** Send the trusted documents of `operations.ts` by id. Default true (required by a gateway in safelist mode). */
  trustedDocuments?: boolean;
  /** The `fetch` HttpLink uses. Default: the global one. */
  fetch?: typeof fetch;
  /** The WebSocket implementation, where there is no global one (Node before 22: `ws`). */
  webSocketImpl?: ClientOptions['webSocketImpl'];
}

/** The link, and the socket it owns; `dispose` closes the socket (idempotent). */
export interface CurbsideLink {
  link: ApolloLink;
  /** The graphql-ws client (null when subscriptions go over multipart). */
  socket: Client | null;
  dispose(): Promise<void>;
}

const authorizationOf = async (getAccessToken: CurbsideLinkOptions['getAccessToken']) => {
  const token = getAccessToken ? await getAccessToken() : null;
  return token ? `Bearer ${token}` : null;
};

/** The links described above, ready for `new ApolloClient({ link })`. */
export function createCurbsideLink(options: CurbsideLinkOptions): CurbsideLink {
  const { url, getAccessToken, retryAttempts = defaultRetryAttempts, retryWait = backoff } = options;
  const trusted = options.trustedDocuments ?? true;
  const withToken = new SetContextLink(async (context) => {
    const authorization = await authorizationOf(getAccessToken);
    return authorization ? { headers: { ...context['headers'], authorization } } : {};
  });
  const http = ApolloLink.from([
    withToken,
    ...(trusted ? [trustedDocumentsLink()] : []),
    new HttpLink({ uri: url, ...(options.fetch ? { fetch: options.fetch } : {}) }),
  ]);
  if (options.subscriptions === 'multipart') {
    // A stream ended because the token it was sent with expired is sent again once the app has a newer one.
    const resubscribeWhen = async (
      errors: readonly { extensions?: { code?: unknown } }[],
      operation: ApolloLink.Operation,
    ) => {
      if (!allHaveCode(errors, 'UNAUTHENTICATED')) return false;
      const now = await authorizationOf(getAccessToken);
      const sentWith = (operation.getContext() as { headers?: Record<string, string> }).headers?.['authorization'];
      return now !== null && now !== sentWith;
    };
    const link = ApolloLink.from([resumableMultipartLink({ retryAttempts, retryWait, resubscribeWhen }), http]);
    return { link, socket: null, dispose: async () => undefined };
  }
  /** The authorization the current socket connected with; whether a restart for a newer one is under way. */
  let connectedWith: string | null = null;
  let renewing = false;
  const socket = createClient({
    url: options.wsUrl ?? url.replace(/^http/, 'ws'),
    ...(options.webSocketImpl ? { webSocketImpl: options.webSocketImpl } : {}),
    // Asked again for every connection, so a reconnection after the token was refreshed sends the new one.
    connectionParams: async () => {
      const authorization = await authorizationOf(getAccessToken);
      connectedWith = authorization;
      renewing = false;
      return authorization ? { authorization } : {};
    },
    retryAttempts,
    retryWait,
    // graphql-ws by default gives up when a reconnection fails with a network error rather than a close, as it
    // does while a phone is still offline; those are retried like any other.
    shouldRetry: () => true,
  });
  /**
   * A socket's token is the one its `connection_init` carried: when it expires the gateway ends the socket's
   * subscriptions with UNAUTHENTICATED. If the app has a newer token by then, the socket is restarted (graphql-ws
   * reconnects with it, resuming its other subscriptions) and the ended subscription is subscribed again.
   */
  const renewedToken = async (errors: readonly { extensions?: { code?: unknown } }[]) => {
    if (!allHaveCode(errors, 'UNAUTHENTICATED')) return false;
    if (renewing) return true;
    const now = await authorizationOf(getAccessToken);
    if (now === null || now === connectedWith) return false;
    renewing = true;
    socket.terminate();
    return true;
  };
  const resuming = resumableSubscriptions(socket, { retryAttempts, retryWait, resubscribeWhen: renewedToken });
  const ws = ApolloLink.from([
    ...(trusted ? [trustedDocumentsLink()] : []),
    new GraphQLWsLink(trusted ? sendTrustedDocuments(resuming) : resuming),
  ]);
  let disposed: Promise<void> | undefined;
  return {
    link: ApolloLink.split(({ query }) => isSubscriptionOperation(query), ws, http),
    socket,
    dispose: () => (disposed ??= Promise.resolve(socket.dispose())),
  };
}

export interface CurbsideClientOptions extends CurbsideLinkOptions {
  /** Default: a new `InMemoryCache`. */
  cache?: ApolloCache;
}

/** An Apollo Client on `createCurbsideLink`; `dispose` stops it and closes its socket (idempotent). */
export interface CurbsideClient {
  client: ApolloClient;
  socket: Client | null;
  dispose(): Promise<void>;
}

export function createCurbsideClient(options: CurbsideClientOptions): CurbsideClient {
  const { link, socket, dispose } = createCurbsideLink(options);
  const client = new ApolloClient({ link, cache: options.cache ?? new InMemoryCache() });
  let disposed: Promise<void> | undefined;
  return {
    client,
    socket,
    dispose: () =>
      (disposed ??= (async () => {
        client.stop();
        await dispose();
      })()),
  };
}
