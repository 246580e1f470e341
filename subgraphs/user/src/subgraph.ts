import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { JWK } from 'jose';
import type { Clock } from '@curbside/async';
import { localKeySet, makeAccessTokenCheck } from '@curbside/auth';
import { sendJwks } from '@curbside/http';
import { defineSubgraph } from '@curbside/subgraph-kit';
import { makeAccounts } from './accounts.ts';
import { restoreAccountBlocklist } from './admin.ts';
import { makeLoginAttempts } from './login-attempts.ts';
import { createContext } from './context.ts';
import { entities } from './entities.ts';
import type { Resolvers } from './generated/resolvers.ts';
import { migrations } from './migrations/index.ts';
import { makeResolvers } from './resolvers.ts';
import { loadTokenIssuer } from './signing-keys.ts';

/** The SDL, read once: the file is the schema (codegen and composition read the same file). */
export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** The user subgraph's own settings (`SubgraphDeps.options`). */
export interface UserSubgraphOptions {
  /** Private Ed25519 JWK to sign with; by default a key kept in the database. */
  signingKey?: JWK | undefined;
  /** Sign-in attempts one account may receive per minute, whichever of its names they use. Default 10. */
  authAttemptsPerMinute?: number | undefined;
  /** The clock of the sign-in attempt windows (tests pass a manual one). Default the system clock. */
  clock?: Clock | undefined;
}

/**
 * Builds the user subgraph: database (migrated), account blocklist (rewritten from the database), token
 * issuer and the token check on its own keys, schema, the JWKS route and the HTTP server, the relay of its
 * outbox. Sign-in attempts are counted per account in `deps.redis`; notificationReceived is served from
 * `notification.received`, which the workers publish. `close()` stops them all.
 */
export const createUserSubgraph = defineSubgraph<UserSubgraphOptions, Resolvers>({
  name: 'user',
  typeDefs,
  entities,
  migrations,
  createContext,
  async build({ deps, orm }) {
    const { logger, accountBlocklist } = deps;
    // Redis holds a copy that may have been flushed or have missed a write: the database decides.
    const blocked = await restoreAccountBlocklist(orm.em.fork(), accountBlocklist);
    logger.info({ blocked }, 'account blocklist restored from the database');
    const issuer = await loadTokenIssuer(orm.em.fork(), deps.options.signingKey);
    const loginAttempts = makeLoginAttempts({
      redis: deps.redis,
      maxPerMinute: deps.options.authAttemptsPerMinute,
      clock: deps.options.clock,
      onUnavailable: (error) =>
        logger.warn({ err: error }, 'sign-in attempts uncounted (Redis unreachable): logins pass unchecked'),
    });
    return {
      resolvers: makeResolvers(makeAccounts(issuer, accountBlocklist, loginAttempts), accountBlocklist, deps.pubsub),
      // It issues the keys: tokens are checked against them here, not fetched from a JWKS URL.
      verifyAccessToken: makeAccessTokenCheck({
        keys: localKeySet(issuer.jwks),
        blocklist: accountBlocklist,
        onBlocklistUnavailable: (error) =>
          logger.warn({ err: error }, 'account blocklist unreadable; trusting the token alone'),
      }),
      routes: { '/.well-known/jwks.json': (_req, res) => sendJwks(res, issuer.jwks) },
    };
  },
});
