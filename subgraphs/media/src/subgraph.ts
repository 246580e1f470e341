import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { defineSubgraph, type MediaStoreConfig } from '@curbside/subgraph-kit';
import { createContext } from './context.ts';
import { entities } from './entities.ts';
import type { Resolvers } from './generated/resolvers.ts';
import { migrations } from './migrations/index.ts';
import { makeResolvers } from './resolvers.ts';
import { mediaRoutes } from './routes.ts';
import { makeUploadSigner } from './signing.ts';
import { makeMediaStorage } from './media-store.ts';

/** The SDL, read once: the file is the schema (codegen and composition read the same file). */
export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

/** The media subgraph's own settings (`SubgraphDeps.options`). */
export interface MediaSubgraphOptions {
  /** Where the files live: a local folder (created if missing) or an S3 bucket (which must exist). */
  mediaStore: MediaStoreConfig;
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
 * Builds the media subgraph: database (migrated), file storage (checked usable), schema, the upload and
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
    const storage = makeMediaStorage(options.mediaStore);
    try {
      await storage.ready();
    } catch (error) {
      storage.close();
      throw error;
    }
    return {
      resolvers: makeResolvers({ links, storage, logger, pubsub: deps.pubsub }),
      routes: mediaRoutes({ orm, storage, links, logger }),
      // Stopped after the server, so that no request reads from a closed store.
      background: [() => ({ close: async () => storage.close() })],
    };
  },
});
