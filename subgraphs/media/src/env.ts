import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { z } from 'zod';
import {
  logLevelSchema,
  parseEnv,
  portSchema,
  redisClusterNodesSchema,
  redisKeyPrefixSchema,
  redisUrlSchema,
} from '@curbside/service';
import { defaultPostgresUrl } from '@curbside/subgraph-kit';
import { checkMediaStoreEnv, mediaStoreEnvShape } from './media-store.ts';

/** `.media/` at the repository root (git-ignored). */
const defaultMediaDir = fileURLToPath(new URL('../../../.media', import.meta.url));

/**
 * Signs upload URLs when MEDIA_SIGNING_SECRET is unset outside production. It is public (it is in this
 * file), so anyone can forge upload URLs with it: fine on a laptop, and refused when NODE_ENV=production.
 */
const developmentSigningSecret = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';

const schema = z
  .object({
    PORT: portSchema.default(4005),
    HOST: z.string().default('127.0.0.1'),
    NODE_ENV: z.string().default('development'),
    /** Any database on the server; the subgraph uses its own database `MEDIA_DATABASE` on it. */
    POSTGRES_URL: z.url().default(defaultPostgresUrl),
    MEDIA_DATABASE: z.string().default('curbside_media'),
    ...mediaStoreEnvShape,
    /** Folder of the uploaded files (MEDIA_STORE=local); a relative path is taken from the working directory. */
    MEDIA_DIR: z
      .string()
      .min(1)
      .default(defaultMediaDir)
      .transform((dir) => resolve(dir)),
    /** Where clients reach the media routes: the gateway's `/media`, which proxies to this subgraph. */
    MEDIA_PUBLIC_URL: z
      .url()
      .default('http://localhost:4000/media')
      .transform((url) => url.replace(/\/+$/, '')),
    /** HMAC-SHA256 key of upload URLs: at least 32 bytes, hex. Required in production. */
    MEDIA_SIGNING_SECRET: z
      .string()
      .regex(/^(?:[0-9a-fA-F]{2}){32,}$/, 'expected at least 64 hex characters (32 bytes)')
      .optional(),
    JWKS_URL: z.url().default('http://127.0.0.1:4001/.well-known/jwks.json'),
    REDIS_URL: redisUrlSchema,
    REDIS_CLUSTER_NODES: redisClusterNodesSchema,
    REDIS_KEY_PREFIX: redisKeyPrefixSchema,
    LOG_LEVEL: logLevelSchema,
  })
  .superRefine((env, ctx) => {
    checkMediaStoreEnv(env, ctx);
    if (env.NODE_ENV === 'production' && !env.MEDIA_SIGNING_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['MEDIA_SIGNING_SECRET'],
        message: 'required when NODE_ENV=production (for example: openssl rand -hex 32)',
      });
    }
  })
  .transform(({ MEDIA_SIGNING_SECRET, ...env }) => ({
    ...env,
    MEDIA_SIGNING_SECRET: MEDIA_SIGNING_SECRET ?? developmentSigningSecret,
  }));

export type MediaSubgraphEnv = z.infer<typeof schema>;
export const loadEnv = (source: NodeJS.ProcessEnv): MediaSubgraphEnv => parseEnv(schema, source);
