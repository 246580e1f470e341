import { isAbsolute } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@curbside/service';
import { loadEnv } from './env.ts';
import { mediaStoreConfigOf } from './media-store.ts';

describe('media subgraph environment', () => {
  it('defaults to port 4005, curbside_media, .media at the repository root and the gateway URL', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      PORT: 4005,
      MEDIA_DATABASE: 'curbside_media',
      MEDIA_PUBLIC_URL: 'http://localhost:4000/media',
    });
    expect(isAbsolute(env.MEDIA_DIR)).toBe(true);
    expect(env.MEDIA_DIR).toMatch(/[/\\]\.media$/);
    expect(env.MEDIA_SIGNING_SECRET).toMatch(/^[0-9a-f]{64}$/);
  });

  it('requires MEDIA_SIGNING_SECRET in production, and checks it whenever it is set', () => {
    expect(() => loadEnv({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadEnv({ NODE_ENV: 'production' })).toThrow(/MEDIA_SIGNING_SECRET/);
    const secret = '0123456789abcdef'.repeat(4);
    expect(loadEnv({ NODE_ENV: 'production', MEDIA_SIGNING_SECRET: secret }).MEDIA_SIGNING_SECRET).toBe(secret);
    expect(() => loadEnv({ MEDIA_SIGNING_SECRET: 'too-short' })).toThrow(/MEDIA_SIGNING_SECRET/);
  });

  it('makes MEDIA_DIR absolute and drops a trailing slash from MEDIA_PUBLIC_URL', () => {
    const env = loadEnv({ MEDIA_DIR: 'relative/media', MEDIA_PUBLIC_URL: 'https://cdn.example.com/media/' });
    expect(isAbsolute(env.MEDIA_DIR)).toBe(true);
    expect(env.MEDIA_PUBLIC_URL).toBe('https://cdn.example.com/media');
  });
});

describe('media store variables', () => {
  it('default to the local folder', () => {
    const env = loadEnv({});
    expect(env.MEDIA_STORE).toBe('local');
    expect(mediaStoreConfigOf(env, env.MEDIA_DIR)).toEqual({ kind: 'local', dir: env.MEDIA_DIR });
  });

  it('choose a bucket with MEDIA_STORE=s3, its endpoint, region and path style', () => {
    const env = loadEnv({
      MEDIA_STORE: 's3',
      S3_BUCKET: 'curbside-photos',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_REGION: 'eu-west-3',
      S3_FORCE_PATH_STYLE: 'true',
    });
    expect(mediaStoreConfigOf(env, env.MEDIA_DIR)).toEqual({
      kind: 's3',
      bucket: 'curbside-photos',
      region: 'eu-west-3',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
    });
    // Outside production a bucket name is not required; AWS's endpoint, us-east-1 and virtual hosts by default.
    const defaults = loadEnv({ MEDIA_STORE: 's3' });
    expect(mediaStoreConfigOf(defaults, defaults.MEDIA_DIR)).toEqual({
      kind: 's3',
      bucket: 'curbside-media',
      region: 'us-east-1',
      endpoint: undefined,
      forcePathStyle: false,
    });
  });

  it('require S3_BUCKET in production with MEDIA_STORE=s3, and report every bad variable at once', () => {
    const production = { NODE_ENV: 'production', MEDIA_SIGNING_SECRET: '0123456789abcdef'.repeat(4) };
    expect(() => loadEnv({ ...production, MEDIA_STORE: 's3' })).toThrow(/S3_BUCKET: required when MEDIA_STORE=s3/);
    expect(loadEnv({ ...production }).MEDIA_STORE).toBe('local');
    expect(loadEnv({ ...production, MEDIA_STORE: 's3', S3_BUCKET: 'photos' }).S3_BUCKET).toBe('photos');

    let problems: string[] = [];
    try {
      loadEnv({ MEDIA_STORE: 'gcs', S3_BUCKET: 'Not_A_Bucket', S3_ENDPOINT: 'nowhere', S3_FORCE_PATH_STYLE: 'maybe' });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'MEDIA_STORE',
      'S3_BUCKET',
      'S3_ENDPOINT',
      'S3_FORCE_PATH_STYLE',
    ]);
  });
});
