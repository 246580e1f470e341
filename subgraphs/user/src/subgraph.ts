import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import type { JWK } from 'jose';
import { sendJwks } from '@curbside/http';
import type { Logger } from '@curbside/service';
import { createSubgraphServer, openOrm, type SubgraphServer } from '@curbside/subgraph-kit';
import { makeAccounts } from './accounts.ts';
import { createContext } from './context.ts';
import { entities } from './entities.ts';
import { migrations } from './migrations/index.ts';
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
  onQuery?: ((sql: string) => void) | undefined;
}

export interface UserSubgraph extends SubgraphServer {
  /** Closes the server, then the ORM. */
  close(): Promise<void>;
}

/** Builds the user subgraph: database (migrated), token issuer, schema and HTTP server. */
export async function createUserSubgraph(deps: UserSubgraphDeps): Promise<UserSubgraph> {
  const orm = await openOrm({
    databaseUrl: deps.databaseUrl,
    entities,
    migrations,
    ...(deps.onQuery ? { onQuery: deps.onQuery } : {}),
  });
  try {
    const issuer = await loadTokenIssuer(orm.em.fork(), deps.signingKey);
    const server = await createSubgraphServer({
      name: 'user',
      schema: buildSubgraphSchema([{ typeDefs, resolvers: makeResolvers(makeAccounts(issuer)) as never }]),
      orm,
      logger: deps.logger,
      verifyAccessToken: issuer.verify,
      createContext,
      routes: { '/.well-known/jwks.json': (_req, res) => sendJwks(res, issuer.jwks) },
    });
    let closing: Promise<void> | undefined;
    return {
      listen: (port, host) => server.listen(port, host),
      close() {
        closing ??= server.close().then(() => orm.close());
        return closing;
      },
    };
  } catch (error) {
    await orm.close();
    throw error;
  }
}
