import { isAbsolute } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@curbside/service';
import { loadEnv } from './env.ts';

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
