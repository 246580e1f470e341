import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { ConnectionOptions } from 'bullmq';
import type { Clock } from '@curbside/async';
import { startOutboxRelay } from '@curbside/event-bus';
import type { JWK } from 'jose';
import { localKeySet, makeAccessTokenCheck, type AccountBlocklist } from '@curbside/auth';
import { sendJwks } from '@curbside/http';
import type { Redis } from '@curbside/redis';
import type { Logger } from '@curbside/service';
import {
  createSubgraphServer,
  subgraphSchema,
  openOrm,
  type LivePubSub,
  type SubgraphServer,
  withOrderedShutdown,
} from '@curbside/subgraph-kit';
import { makeAccounts } from './accounts.ts';
import { restoreAccountBlocklist } from './admin.ts';
import { makeLoginAttempts } from './login-attempts.ts';
import { createContext } from './context.ts';
import { entities } from './entities.ts';
import { migrations } from './migrations/index.ts';
import type { Resolvers } from './generated/resolvers.ts';
import { makeResolvers } from './resolvers.ts';
import { loadTokenIssuer } from './signing-keys.ts';

/** The SDL, read once: the file is the schema (codegen and composition read the same file). */
export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface UserSubgraphDeps {
  /** URL of the user subgraph's own database (created beforehand, see ensureDatabase). */
  databaseUrl: string;
  logger: Logger;
  /** Private Ed25519 JWK to sign with; by default a key kept in the database. */
  signingKey?: JWK | undefined;
  /** Accounts whose valid tokens are refused (suspended, deleted); this subgraph keeps it current. */
  accountBlocklist: AccountBlocklist;
  /** Key-prefixed Redis client: sign-in attempts are counted there per account. Owned by the caller. */
  redis: Redis;
  /** Sign-in attempts one account may receive per minute, whichever of its names they use. Default 10. */
  authAttemptsPerMinute?: number | undefined;
  /** Where this subgraph's outbox is relayed to (the consumers' queues). */
  eventBus: { connection: ConnectionOptions; prefix: string };
  /**
   * Live events: serves notificationReceived from `notification.received`, which the workers publish once a
   * notification is stored. Owned by the caller.
   */
  pubsub: LivePubSub;
  onQuery?: ((sql: string) => void) | undefined;
  /** Where the sign-in attempt window reads the time. Default `systemClock`; tests move a `manualClock`. */
  clock?: Clock | undefined;
}

export interface UserSubgraph extends SubgraphServer {
  /** Closes the server, then the ORM. */
  close(): Promise<void>;
}

/**
 * Builds the user subgraph: database (migrated), account blocklist (rewritten from the database), token
 * issuer, schema and HTTP server.
 */
export async function createUserSubgraph(deps: UserSubgraphDeps): Promise<UserSubgraph> {
  const orm = await openOrm({
    databaseUrl: deps.databaseUrl,
    entities,
    migrations,
    ...(deps.onQuery ? { onQuery: deps.onQuery } : {}),
  });
  try {
    // Redis holds a copy that may have been flushed or have missed a write: the database decides.
    const blocked = await restoreAccountBlocklist(orm.em.fork(), deps.accountBlocklist);
    deps.logger.info({ blocked }, 'account blocklist restored from the database');
    const issuer = await loadTokenIssuer(orm.em.fork(), deps.signingKey);
    const verifyAccessToken = makeAccessTokenCheck({
      keys: localKeySet(issuer.jwks),
      blocklist: deps.accountBlocklist,
      onBlocklistUnavailable: (error) =>
        deps.logger.warn({ err: error }, 'account blocklist unreadable; trusting the token alone'),
    });
    const loginAttempts = makeLoginAttempts({
      redis: deps.redis,
      maxPerMinute: deps.authAttemptsPerMinute,
      clock: deps.clock,
      onUnavailable: (error) =>
        deps.logger.warn({ err: error }, 'sign-in attempts uncounted (Redis unreachable): logins pass unchecked'),
    });
    const server = await createSubgraphServer({
      name: 'user',
      schema: subgraphSchema<Resolvers>(
        typeDefs,
        makeResolvers(makeAccounts(issuer, deps.accountBlocklist, loginAttempts), deps.accountBlocklist, deps.pubsub),
      ),
      orm,
      logger: deps.logger,
      verifyAccessToken,
      createContext,
      routes: { '/.well-known/jwks.json': (_req, res) => sendJwks(res, issuer.jwks) },
    });
    const relay = startOutboxRelay({ orm, databaseUrl: deps.databaseUrl, ...deps.eventBus, logger: deps.logger });
    return withOrderedShutdown({ server, background: [() => relay.stop()], orm });
  } catch (error) {
    await orm.close();
    throw error;
  }
}
