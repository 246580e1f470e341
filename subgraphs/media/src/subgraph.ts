import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { defineSubgraph } from '@curbside/subgraph-kit';
import { createContext } from './context.ts';
import { entities } from './entities.ts';
import type { Resolvers } from './generated/resolvers.ts';
import { migrations } from './migrations/index.ts';
import { makeResolvers } from './resolvers.ts';
import { mediaRoutes } from './routes.ts';
import { makeUploadSigner } from './signing.ts';
import { localFileStorage } from './storage.ts';

/** The SDL, read once: the file is the schema (codegen and composition read the same file). */
export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** The media subgraph's own settings (`SubgraphDeps.options`). */
export interface MediaSubgraphOptions {
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
}

/**
 * Builds the media subgraph: database (migrated), file storage under `mediaDir`, schema, the upload and
 * file routes and the HTTP server, the relay of its outbox. Publishes `media.status` (deletions; the workers
 * publish READY and FAILED) and serves mediaStatusChanged. `close()` stops them all.
 */
export const createMediaSubgraph = defineSubgraph<MediaSubgraphOptions, Resolvers>({
  name: 'media',
  typeDefs,
  entities,
  migrations,
  createContext,
  async build({ deps, orm }) {
    const { options, logger } = deps;
    const links = {
      publicBaseUrl: options.publicBaseUrl.replace(/\/+$/, ''),
      signer: makeUploadSigner(options.uploadSigningSecret),
    };
    const storage = localFileStorage(options.mediaDir);
    await storage.ready();
    return {
      resolvers: makeResolvers({ links, storage, logger, pubsub: deps.pubsub }),
      routes: mediaRoutes({ orm, storage, links, logger }),
    };
  },
});
