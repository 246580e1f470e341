import { describe, expect, it } from 'vitest';
import { defineEventHandler } from '@curbside/event-bus';
import { queuesConsumedBy } from '@curbside/events';
import { mediaStoreConfigOf } from '@curbside/media-subgraph';
import { ConfigError } from '@curbside/service';
import { loadEnv } from './env.ts';
import { assertAllQueuesHandled } from './workers.ts';

const noop = async () => undefined;

describe('assertAllQueuesHandled', () => {
  it('accepts one handler of each queue declared for the workers', () => {
    const handlers = queuesConsumedBy('workers').map((queue) => defineEventHandler({ queue, handle: noop }));
    expect(() => assertAllQueuesHandled(handlers)).not.toThrow();
  });

  it('names the workers’ queues no handler consumes', () => {
    const handlers = queuesConsumedBy('workers')
      .filter((queue) => queue !== 'media.process' && queue !== 'search.index')
      .map((queue) => defineEventHandler({ queue, handle: noop }));
    expect(() => assertAllQueuesHandled(handlers)).toThrow(
      'The workers consume search.index, media.process (see eventQueues), but no module handles them',
    );
  });
});

describe('workers environment: the media store', () => {
  it('is the local folder by default, as the media subgraph’s', () => {
    const env = loadEnv({}, ['media']);
    expect(env.MEDIA_STORE).toBe('local');
    expect(mediaStoreConfigOf(env, env.MEDIA_DIR)).toEqual({ kind: 'local', dir: env.MEDIA_DIR });
    expect(env.MEDIA_DIR).toMatch(/[/\\]\.media$/);
  });

  it('is the bucket the S3 variables name, and requires S3_BUCKET in production', () => {
    const s3 = {
      MEDIA_STORE: 's3',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_REGION: 'eu-west-3',
      S3_FORCE_PATH_STYLE: 'true',
    };
    expect(() => loadEnv({ ...s3, NODE_ENV: 'production' }, ['media'])).toThrow(ConfigError);
    expect(() => loadEnv({ ...s3, NODE_ENV: 'production' }, ['media'])).toThrow(/S3_BUCKET/);
    const env = loadEnv({ ...s3, NODE_ENV: 'production', S3_BUCKET: 'curbside-photos' }, ['media']);
    expect(mediaStoreConfigOf(env, env.MEDIA_DIR)).toEqual({
      kind: 's3',
      bucket: 'curbside-photos',
      region: 'eu-west-3',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
    });
    expect(() => loadEnv({ MEDIA_STORE: 'disk' }, ['media'])).toThrow(/MEDIA_STORE/);
  });
});
