import { describe, expect, it } from 'vitest';
import { developmentGatewaySecret } from '@curbside/auth';
import { ConfigError } from '@curbside/service';
import { loadEnv } from './env.ts';

const gatewaySecret = '0123456789abcdef'.repeat(4);

describe('gateway environment: GATEWAY_SECRET', () => {
  it('is optional outside production (nothing is sent to subgraphs)', () => {
    expect(loadEnv({}).GATEWAY_SECRET).toBeUndefined();
    expect(loadEnv({ GATEWAY_SECRET: gatewaySecret }).GATEWAY_SECRET).toBe(gatewaySecret);
  });

  it('is required in production, and may not be the public development secret', () => {
    expect(() => loadEnv({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadEnv({ NODE_ENV: 'production' })).toThrow(/GATEWAY_SECRET: required/);
    expect(() => loadEnv({ NODE_ENV: 'production', GATEWAY_SECRET: developmentGatewaySecret })).toThrow(
      /GATEWAY_SECRET: .*public/,
    );
    expect(loadEnv({ NODE_ENV: 'production', GATEWAY_SECRET: gatewaySecret }).GATEWAY_SECRET).toBe(gatewaySecret);
  });

  it('is at least 32 characters, reported with the other problems', () => {
    let thrown: unknown;
    try {
      loadEnv({ GATEWAY_SECRET: 'short', PORT: 'x' });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as ConfigError).problems).toEqual([
      expect.stringMatching(/^PORT: /),
      'GATEWAY_SECRET: expected at least 32 characters, but got 5',
    ]);
  });
});
