/**
 * How the gateway asks a subgraph for a subscription, in the graphql-ws subscribe message's
 * `extensions.gateway`. The gateway multiplexes many viewers' subscriptions on a few sockets per subgraph, so
 * who a subscription runs for travels with each subscription rather than in the socket's `connection_init`.
 *
 * - `viewer`: for one viewer, as if they had connected themselves: `authorization` is their `Authorization`
 *   header (the subgraph verifies it, as it would in `connection_init`), null for anonymous.
 * - `authorize`: only whether that viewer may subscribe, by the field's own rule (UNAUTHENTICATED, FORBIDDEN,
 *   NOT_FOUND...): the subgraph completes without an event when they may, or sends one result of errors when
 *   they may not. No event stream is opened.
 * - `shared`: the gateway's one upstream for every viewer of an operation that selects no `@viewerDependent`
 *   field, each of whom it authorized with `authorize`. It runs for no viewer (events are executed
 *   anonymously, so nothing of one viewer can reach another) and skips the per-viewer rule. Subgraphs honour
 *   it only on a socket that proved the gateway credential (see the subgraph kit's gateway access).
 */
export type GatewaySubscribe =
  | { mode: 'viewer'; authorization: string | null }
  | { mode: 'authorize'; authorization: string | null }
  | { mode: 'shared' };

/**
 * Set (true) in the `extensions` of the one result an `authorize` subscription sends before completing when the
 * field's rule allowed a signed-in viewer without reading anything of them (not their id, role or expiry): the
 * answer is then the same for every signed-in viewer, and the gateway may give it to others asking about the
 * same operation and variables moments later, their tokens checked by itself. Without it (no result, just the
 * completion), the answer is this viewer's alone.
 */
export const authorizedForAnySignedInViewer = 'authorizedForAnySignedInViewer';

/** The key of `extensions` that carries a `GatewaySubscribe`. */
export const gatewaySubscribeExtension = 'gateway';

/** The longest `authorization` accepted in it: 16 KiB, far above any access token we issue. */
export const maxForwardedAuthorizationLength = 16 * 1024;

/** The extensions a subscribe message carries for `request`. */
export function gatewaySubscribeExtensions(request: GatewaySubscribe): Record<string, unknown> {
  return { [gatewaySubscribeExtension]: request };
}

/**
 * The `GatewaySubscribe` a subscribe message's extensions carry; null when there is none (a client connected
 * directly, whose viewer is its socket's), 'invalid' when it is malformed.
 */
export function gatewaySubscribeOf(extensions: unknown): GatewaySubscribe | null | 'invalid' {
  if (typeof extensions !== 'object' || extensions === null) return null;
  const value = (extensions as Record<string, unknown>)[gatewaySubscribeExtension];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) return 'invalid';
  const { mode, authorization = null } = value as Record<string, unknown>;
  if (mode === 'shared') return authorization === null ? { mode } : 'invalid';
  if (mode !== 'viewer' && mode !== 'authorize') return 'invalid';
  if (authorization !== null) {
    if (typeof authorization !== 'string' || authorization.length > maxForwardedAuthorizationLength) return 'invalid';
  }
  return { mode, authorization };
}
