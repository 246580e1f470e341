import { runSubgraph } from '@curbside/subgraph-kit';
import { loadEnv } from './env.ts';
import { mediaStoreConfigOf } from './media-store.ts';
import { createMediaSubgraph } from './subgraph.ts';

await runSubgraph({
  name: 'media',
  loadEnv,
  database: (env) => env.MEDIA_DATABASE,
  create: createMediaSubgraph,
  options: (env) => ({
    mediaStore: mediaStoreConfigOf(env, env.MEDIA_DIR),
    publicBaseUrl: env.MEDIA_PUBLIC_URL,
    uploadSigningSecret: env.MEDIA_SIGNING_SECRET,
  }),
});
