import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadEnv } from './env.ts';

const privateJwk = JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }));

describe('user subgraph environment: AUTH_SIGNING_KEY', () => {
  it('is optional outside production (a key kept in the database)', () => {
    expect(loadEnv({}).AUTH_SIGNING_KEY).toBeUndefined();
  });

  it('is required in production, and must be a JWK', () => {
    expect(() => loadEnv({ NODE_ENV: 'production' })).toThrow(/AUTH_SIGNING_KEY: required when NODE_ENV=production/);
    expect(() => loadEnv({ NODE_ENV: 'production', AUTH_SIGNING_KEY: 'not json' })).toThrow(/expected a JSON Web Key/);
    expect(loadEnv({ NODE_ENV: 'production', AUTH_SIGNING_KEY: privateJwk }).AUTH_SIGNING_KEY).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
    });
  });
});
