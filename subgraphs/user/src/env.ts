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
import { defaultAuthAttemptsPerMinute } from './login-attempts.ts';

const schema = z.object({
  PORT: portSchema.default(4001),
  HOST: z.string().default('127.0.0.1'),
  NODE_ENV: z.string().default('development'),
  /** Any database on the server; the subgraph uses its own database `USER_DATABASE` on it. */
  POSTGRES_URL: z.url().default(defaultPostgresUrl),
  USER_DATABASE: z.string().default('curbside_user'),
  /**
   * A private Ed25519 JWK (JSON). Required when NODE_ENV=production (a key kept in the database would be
   * readable by anyone who reads the database, and differ between environments restored from one dump).
   * Unset outside production: a key generated once and kept in the user database.
   */
  AUTH_SIGNING_KEY: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (!value) return undefined;
      try {
        return JSON.parse(value) as Record<string, string>;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected a JSON Web Key' });
        return z.NEVER;
      }
    }),
  /** Sign-in attempts one account may receive per minute, by email and username together. */
  RATE_LIMIT_AUTH_ATTEMPTS: z.coerce.number().int().positive().default(defaultAuthAttemptsPerMinute),
  REDIS_URL: redisUrlSchema,
  REDIS_CLUSTER_NODES: redisClusterNodesSchema,
  REDIS_KEY_PREFIX: redisKeyPrefixSchema,
  LOG_LEVEL: logLevelSchema,
});

/** Every variable; AUTH_SIGNING_KEY is required in production. */
const checked = schema.superRefine((env, ctx) => {
  if (env.NODE_ENV === 'production' && !env.AUTH_SIGNING_KEY) {
    ctx.addIssue({
      code: 'custom',
      path: ['AUTH_SIGNING_KEY'],
      message: 'required when NODE_ENV=production (a private Ed25519 JWK)',
    });
  }
});

export type UserSubgraphEnv = z.infer<typeof checked>;
export const loadEnv = (source: NodeJS.ProcessEnv): UserSubgraphEnv => parseEnv(checked, source);
