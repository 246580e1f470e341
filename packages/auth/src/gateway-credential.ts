import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The header carrying the gateway's credential on every call it makes to a subgraph (HTTP fetches, the
 * media proxy, the graphql-ws upgrade). Its value is `GATEWAY_SECRET` itself.
 */
export const gatewayCredentialHeader = 'x-curbside-gateway';

/** The shortest `GATEWAY_SECRET` accepted: 32 characters (`openssl rand -hex 32` gives 64). */
export const minGatewaySecretLength = 32;

/**
 * The secret docker-compose.yml falls back to so that `docker compose up` needs no setup. It is public (it is
 * in the repository), so anyone could present it: refused when NODE_ENV=production.
 */
export const developmentGatewaySecret = 'curbside-development-gateway-secret-not-for-production';

/**
 * What is wrong with `secret` as a `GATEWAY_SECRET`, or null when it may be used. Unset is fine outside
 * production (no credential is sent or checked); in production it is required, and the public development
 * secret is refused.
 */
export function gatewaySecretProblem(secret: string | undefined, options: { production: boolean }): string | null {
  if (secret === undefined || secret === '') {
    return options.production ? 'required when NODE_ENV=production (for example: openssl rand -hex 32)' : null;
  }
  if (secret.length < minGatewaySecretLength) {
    return `expected at least ${minGatewaySecretLength} characters, but got ${secret.length}`;
  }
  if (options.production && secret === developmentGatewaySecret) {
    return 'the development secret from docker-compose.yml is public: set a secret of your own in production';
  }
  return null;
}

const digestOf = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Whether `presented` (a header value as Node gives it) is the gateway's credential for `secret`. Both sides
 * are hashed first so the comparison is constant-time whatever their lengths (timingSafeEqual needs equal
 * lengths, and comparing lengths first would tell how long the secret is).
 */
export function isGatewayCredential(secret: string, presented: string | readonly string[] | undefined): boolean {
  if (typeof presented !== 'string') return false; // absent, or sent twice: never a credential
  return timingSafeEqual(digestOf(secret), digestOf(presented));
}
