import { describe, expect, it } from 'vitest';
import { developmentGatewaySecret } from '@curbside/auth';
import { ConfigError, parseEnv } from '@curbside/service';
import { z } from 'zod';
import { admitsCall, loadAll, loadSubgraphAccess, trustsAsGateway } from './gateway-access.ts';

const gatewaySecret = '0123456789abcdef'.repeat(4);

describe('admitsCall', () => {
  const guarded = { gatewaySecret };

  it('admits every call when no secret is configured', () => {
    expect(admitsCall({}, '/graphql', {})).toBe(true);
    expect(admitsCall({}, '/media/uploads/1', {})).toBe(true);
  });

  it('refuses /graphql and extra routes without the credential or with a wrong one', () => {
    for (const path of ['/graphql', '/media/uploads/6f1c', '/media/files/6f1c', '/anything']) {
      expect(admitsCall(guarded, path, {})).toBe(false);
      expect(admitsCall(guarded, path, { 'x-curbside-gateway': 'wrong' })).toBe(false);
      expect(admitsCall(guarded, path, { 'x-curbside-gateway': `${gatewaySecret} ` })).toBe(false);
      expect(admitsCall(guarded, path, { authorization: `Bearer ${gatewaySecret}` })).toBe(false);
    }
  });

  it('admits calls carrying the credential', () => {
    expect(admitsCall(guarded, '/graphql', { 'x-curbside-gateway': gatewaySecret })).toBe(true);
    expect(admitsCall(guarded, '/media/uploads/6f1c', { 'x-curbside-gateway': gatewaySecret })).toBe(true);
  });

  it('keeps /health, /ready and /.well-known/* open to anyone', () => {
    for (const path of ['/health', '/ready', '/.well-known/jwks.json'])
      expect(admitsCall(guarded, path, {})).toBe(true);
    expect(admitsCall(guarded, '/healthz', {})).toBe(false);
    expect(admitsCall(guarded, '/.well-known', {})).toBe(false);
  });
});

describe('trustsAsGateway', () => {
  it('trusts only the credential when a secret is configured, and everyone (development) when none is', () => {
    expect(trustsAsGateway({ gatewaySecret }, { 'x-curbside-gateway': gatewaySecret })).toBe(true);
    expect(trustsAsGateway({ gatewaySecret }, {})).toBe(false);
    expect(trustsAsGateway({ gatewaySecret }, { 'x-curbside-gateway': 'wrong' })).toBe(false);
    expect(trustsAsGateway({}, {})).toBe(true);
  });
});

describe('loadSubgraphAccess', () => {
  it('checks nothing when GATEWAY_SECRET is unset outside production', () => {
    expect(loadSubgraphAccess({})).toEqual({});
    expect(loadSubgraphAccess({ NODE_ENV: 'test', GATEWAY_SECRET: '' })).toEqual({});
  });

  it('requires GATEWAY_SECRET in production, not the public development one', () => {
    expect(() => loadSubgraphAccess({ NODE_ENV: 'production' })).toThrow(/GATEWAY_SECRET: required/);
    expect(() => loadSubgraphAccess({ NODE_ENV: 'production', GATEWAY_SECRET: developmentGatewaySecret })).toThrow(
      /GATEWAY_SECRET: .*public/,
    );
    expect(loadSubgraphAccess({ NODE_ENV: 'production', GATEWAY_SECRET: gatewaySecret })).toEqual({ gatewaySecret });
  });

  it('refuses a short secret in any mode', () => {
    expect(() => loadSubgraphAccess({ GATEWAY_SECRET: 'short' })).toThrow(ConfigError);
  });
});

describe('loadAll', () => {
  const portOnly = (source: NodeJS.ProcessEnv) => parseEnv(z.object({ PORT: z.coerce.number().int() }), source);

  it('returns every result in order', () => {
    const source = { PORT: '4001', GATEWAY_SECRET: gatewaySecret };
    expect(
      loadAll(
        () => portOnly(source),
        () => loadSubgraphAccess(source),
      ),
    ).toEqual([{ PORT: 4001 }, { gatewaySecret }]);
  });

  it('reports the problems of every loader in one ConfigError', () => {
    const source = { PORT: 'x', NODE_ENV: 'production' };
    let thrown: unknown;
    try {
      loadAll(
        () => portOnly(source),
        () => loadSubgraphAccess(source),
      );
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems).toEqual([
      expect.stringMatching(/^PORT: /),
      expect.stringMatching(/^GATEWAY_SECRET: required/),
    ]);
  });

  it('lets other errors through as they are', () => {
    const bug = new TypeError('not a configuration problem');
    expect(() =>
      loadAll(() => {
        throw bug;
      }),
    ).toThrow(bug);
  });
});
