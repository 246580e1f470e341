import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { gatewayCredentialHeader, gatewaySecretProblem, isGatewayCredential } from '@curbside/auth';
import { ConfigError, parseEnv } from '@curbside/service';

/**
 * Who may call a subgraph. Subgraphs skip everything the gateway enforces (depth, cost and rate limits,
 * the trusted-documents safelist), so in production only the gateway may call them: it proves itself with
 * the shared `GATEWAY_SECRET` in the `x-curbside-gateway` header.
 */
export interface SubgraphAccess {
  /**
   * When set, `/graphql` (HTTP and the graphql-ws upgrade) and every extra route except the open paths
   * (`isOpenPath`) refuse calls that do not carry it. Default: unset, every caller is served (development and
   * tests).
   */
  gatewaySecret?: string | undefined;
}

/**
 * Paths any caller may reach whatever the access: liveness and readiness (probed by orchestrators), the
 * metrics (scraped by Prometheus, which is not the gateway: /metrics has its own token in production), and
 * discovery documents under `/.well-known/` (RFC 8615) such as the JWKS, which holds public keys only and is
 * fetched by the gateway and the other subgraphs before any of them can call anything.
 */
export function isOpenPath(path: string): boolean {
  return path === '/health' || path === '/ready' || path === '/metrics' || path.startsWith('/.well-known/');
}

/** Whether a request for `path` with these headers may be served under `access`. */
export function admitsCall(access: SubgraphAccess, path: string, headers: IncomingHttpHeaders): boolean {
  if (!access.gatewaySecret || isOpenPath(path)) return true;
  return isGatewayCredential(access.gatewaySecret, headers[gatewayCredentialHeader]);
}

/**
 * Whether a caller with these headers is the gateway, for what only the gateway may ask: a shared upstream
 * subscription, which skips the per-viewer rule because the gateway applied it to each of its viewers (see
 * `GatewaySubscribe`). With a secret, only a caller presenting it. Without one (development and tests) the
 * subgraph cannot tell the gateway from anyone and serves everyone as it would the gateway, as it already
 * skips the gateway's limits for everyone; production refuses to start without a secret.
 */
export function trustsAsGateway(access: SubgraphAccess, headers: IncomingHttpHeaders): boolean {
  if (!access.gatewaySecret) return true;
  return isGatewayCredential(access.gatewaySecret, headers[gatewayCredentialHeader]);
}

/**
 * The message a refused caller gets. It says what is expected without saying anything about the secret: a
 * caller that is not the gateway has nothing to retry with.
 */
export const gatewayOnlyMessage = 'This service only answers the gateway; send the request to the gateway.';

const accessSchema = z
  .object({
    NODE_ENV: z.string().default('development'),
    GATEWAY_SECRET: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    const problem = gatewaySecretProblem(env.GATEWAY_SECRET, { production: env.NODE_ENV === 'production' });
    if (problem) ctx.addIssue({ code: 'custom', path: ['GATEWAY_SECRET'], message: problem });
  });

/**
 * The access every subgraph process serves under, from `GATEWAY_SECRET` (at least 32 characters; required
 * when NODE_ENV=production). Unset outside production: no credential is checked. Throws a ConfigError.
 */
export function loadSubgraphAccess(source: NodeJS.ProcessEnv): SubgraphAccess {
  const env = parseEnv(accessSchema, source);
  return env.GATEWAY_SECRET ? { gatewaySecret: env.GATEWAY_SECRET } : {};
}

/**
 * Runs every loader and returns their results, or throws one ConfigError listing the problems of all of
 * them, so that a misconfigured process reports everything at once.
 */
export function loadAll<const Loaders extends readonly (() => unknown)[]>(
  ...loaders: Loaders
): { [Index in keyof Loaders]: ReturnType<Loaders[Index]> } {
  const problems: string[] = [];
  const results = loaders.map((load) => {
    try {
      return load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return results as { [Index in keyof Loaders]: ReturnType<Loaders[Index]> };
}
