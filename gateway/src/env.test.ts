import { describe, expect, it } from 'vitest';
import { developmentGatewaySecret } from '@curbside/auth';
import { ConfigError } from '@curbside/service';
import { loadEnv } from './env.ts';
import { defaultOperationLimits } from './operation-limits.ts';

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

describe('gateway environment: the stop fits inside the hard stop', () => {
  it('defaults to a 10 s drain inside a 15 s hard stop', () => {
    const env = loadEnv({});
    expect([env.SHUTDOWN_DELAY_MS, env.DRAIN_TIMEOUT_MS, env.STOP_TIMEOUT_MS]).toEqual([0, 10_000, 15_000]);
  });

  it('refuses a shutdown delay and drain that the hard stop would cut', () => {
    expect(() => loadEnv({ SHUTDOWN_DELAY_MS: '5000' })).toThrow(
      /STOP_TIMEOUT_MS: expected at least SHUTDOWN_DELAY_MS \+ DRAIN_TIMEOUT_MS \+ 2000 ms \(17000\), but got 15000/,
    );
    const env = loadEnv({ SHUTDOWN_DELAY_MS: '5000', DRAIN_TIMEOUT_MS: '10000', STOP_TIMEOUT_MS: '20000' });
    expect(env.STOP_TIMEOUT_MS).toBe(20_000);
  });
});

describe('gateway environment: operation limits', () => {
  it('default to the limits the gateway is built with, and each can be changed', () => {
    const env = loadEnv({});
    expect({
      maxTokens: env.OPERATION_MAX_TOKENS,
      maxDepth: env.OPERATION_MAX_DEPTH,
      maxAliases: env.OPERATION_MAX_ALIASES,
      maxRootFields: env.OPERATION_MAX_ROOT_FIELDS,
      maxDirectives: env.OPERATION_MAX_DIRECTIVES,
      maxCost: env.OPERATION_MAX_COST,
    }).toEqual(defaultOperationLimits);
    expect(loadEnv({ OPERATION_MAX_COST: '20000' }).OPERATION_MAX_COST).toBe(20_000);
    expect(() => loadEnv({ OPERATION_MAX_DEPTH: '0' })).toThrow(ConfigError);
  });
});
