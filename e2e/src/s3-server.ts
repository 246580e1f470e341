import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { MediaStoreConfig } from '@curbside/subgraph-kit';

/** An S3-compatible server of a test's own: on a loopback port chosen by the OS, its own folder, a fresh bucket. */
export interface TestS3Server {
  /** The media store on its bucket, with s3rver's fixed credentials. */
  store: Extract<MediaStoreConfig, { kind: 's3' }>;
  /** Stops the server and removes its folder; idempotent. */
  stop(): Promise<void>;
}

/** s3rver accepts this one key pair. */
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Starts s3rver (from npm) with an empty bucket. */
export async function startS3Server(): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'curbside-s3-'));
  const bucket = `curbside-media-${randomBytes(4).toString('hex')}`;
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    store: {
      kind: 's3',
      bucket,
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials,
    },
    stop() {
      stopping ??= server.close().finally(() => rm(directory, { recursive: true, force: true }));
      return stopping;
    },
  };
}
