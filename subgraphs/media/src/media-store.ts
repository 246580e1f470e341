import { z } from 'zod';
import type { MediaStoreConfig } from '@curbside/subgraph-kit';
import { s3Storage } from './s3-storage.ts';
import { localFileStorage, type MediaStore } from './storage.ts';

/** The storage a configuration names: the local folder, or the S3 bucket. */
export function makeMediaStorage(config: MediaStoreConfig): MediaStore {
  if (config.kind === 'local') return localFileStorage(config.dir);
  return s3Storage(config);
}

/**
 * The bucket used when MEDIA_STORE=s3 and S3_BUCKET is unset outside production: `curbside-media` (a local
 * MinIO, for example). Production names its bucket.
 */
const developmentBucket = 'curbside-media';

/**
 * The variables choosing where media files live, shared by the media subgraph and the workers (which must use
 * the same store). `MEDIA_DIR` stays in each deployable's own schema: its default is relative to its files.
 */
export const mediaStoreEnvShape = {
  /** `local` (default): files in MEDIA_DIR; `s3`: objects in S3_BUCKET. */
  MEDIA_STORE: z.enum(['local', 's3']).default('local'),
  /** The bucket (created beforehand). Required in production when MEDIA_STORE=s3. */
  S3_BUCKET: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      'expected a bucket name: 3–63 lowercase letters, digits, dots, hyphens',
    )
    .optional(),
  /** Another service than AWS S3 (MinIO, R2, ...). Default AWS's. */
  S3_ENDPOINT: z.url().optional(),
  /** The bucket's region (R2: `auto`). Default us-east-1. */
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** `true`: the bucket in the URL path, as MinIO and most self-hosted stores want. Default false. */
  S3_FORCE_PATH_STYLE: z.stringbool().default(false),
};

type MediaStoreEnv = z.infer<z.ZodObject<typeof mediaStoreEnvShape>> & { NODE_ENV: string };

/** Reports, with the other problems of the environment, what the chosen store lacks. */
export function checkMediaStoreEnv(env: MediaStoreEnv, ctx: z.RefinementCtx): void {
  if (env.MEDIA_STORE === 's3' && env.NODE_ENV === 'production' && !env.S3_BUCKET) {
    ctx.addIssue({
      code: 'custom',
      path: ['S3_BUCKET'],
      message: 'required when MEDIA_STORE=s3 and NODE_ENV=production',
    });
  }
}

/** The store the variables name; `mediaDir` is the deployable's MEDIA_DIR (absolute). */
export function mediaStoreConfigOf(env: MediaStoreEnv, mediaDir: string): MediaStoreConfig {
  if (env.MEDIA_STORE === 'local') return { kind: 'local', dir: mediaDir };
  return {
    kind: 's3',
    bucket: env.S3_BUCKET ?? developmentBucket,
    region: env.S3_REGION,
    endpoint: env.S3_ENDPOINT,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
  };
}
