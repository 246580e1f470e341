import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { ConnectionOptions } from 'bullmq';
import type { AccessTokenVerifier } from '@curbside/auth';
import { startOutboxRelay } from '@curbside/event-bus';
import type { Logger } from '@curbside/service';
import {
  createSubgraphServer,
  subgraphSchema,
  openOrm,
  type LivePubSub,
  type SubgraphServer,
  withOrderedShutdown,
} from '@curbside/subgraph-kit';
import { createContext } from './context.ts';
import { entities } from './entities.ts';
import { migrations } from './migrations/index.ts';
import type { Resolvers } from './generated/resolvers.ts';
import { makeResolvers } from './resolvers.ts';
import { mediaRoutes } from './routes.ts';
import { makeUploadSigner } from './signing.ts';
import { localFileStorage } from './storage.ts';

/** The SDL, read once: the file is the schema (codegen and composition read the same file). */
export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface MediaSubgraphDeps {
  /** URL of the media subgraph's own database (created beforehand, see ensureDatabase). */
  databaseUrl: string;
  logger: Logger;
  verifyAccessToken: AccessTokenVerifier;
  /** Where this subgraph's outbox is relayed to (the consumers' queues). */
  eventBus: { connection: ConnectionOptions; prefix: string };
  /** Absolute folder holding the uploaded files (created if missing). */
  mediaDir: string;
  /**
   * Public URL of this subgraph's `/media` routes as clients reach them, such as
   * `http://localhost:4000/media` (the gateway proxies `/media/*` here, same path). Upload and file URLs
   * are built on it.
   */
  publicBaseUrl: string;
  /** HMAC-SHA256 key of upload URLs, hex (at least 16 bytes). */
  uploadSigningSecret: string;
  /** Live events: publishes `media.status` (deletions; the workers publish READY and FAILED), serves mediaStatusChanged. Owned by the caller. */
  pubsub: LivePubSub;
  onQuery?: ((sql: string) => void) | undefined;
}

/**
 * Builds the media subgraph: database (migrated), file storage under `mediaDir`, schema, the upload and
 * file routes, the relay of its outbox and the HTTP server. `close()` stops them all.
 */
export async function createMediaSubgraph(deps: MediaSubgraphDeps): Promise<SubgraphServer> {
  const links = {
    publicBaseUrl: deps.publicBaseUrl.replace(/\/+$/, ''),
    signer: makeUploadSigner(deps.uploadSigningSecret),
  };
  const storage = localFileStorage(deps.mediaDir);
  await storage.ready();
  const orm = await openOrm({
    databaseUrl: deps.databaseUrl,
    entities,
    migrations,
    ...(deps.onQuery ? { onQuery: deps.onQuery } : {}),
  });
  try {
    const server = await createSubgraphServer({
      name: 'media',
      schema: subgraphSchema<Resolvers>(
        typeDefs,
        makeResolvers({ links, storage, logger: deps.logger, pubsub: deps.pubsub }),
      ),
      orm,
      logger: deps.logger,
      verifyAccessToken: deps.verifyAccessToken,
      createContext,
      routes: mediaRoutes({ orm, storage, links, logger: deps.logger }),
    });
    const relay = startOutboxRelay({ orm, databaseUrl: deps.databaseUrl, ...deps.eventBus, logger: deps.logger });
    return withOrderedShutdown({ server, background: [() => relay.stop()], orm });
  } catch (error) {
    await orm.close();
    throw error;
  }
}
