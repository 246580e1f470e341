import { describe, expect, it } from 'vitest';
import {
  developmentGatewaySecret,
  gatewaySecretProblem,
  gatewaySubscribeExtensions,
  gatewaySubscribeOf,
  isGatewayCredential,
  maxForwardedAuthorizationLength,
} from './index.ts';

const secret = 'a'.repeat(24) + 'b'.repeat(24);

describe('isGatewayCredential', () => {
  it('accepts exactly the secret', () => {
    expect(isGatewayCredential(secret, secret)).toBe(true);
  });

  it('refuses a missing, empty, repeated, longer, shorter or different value', () => {
    expect(isGatewayCredential(secret, undefined)).toBe(false);
    expect(isGatewayCredential(secret, '')).toBe(false);
    expect(isGatewayCredential(secret, [secret, secret])).toBe(false);
    expect(isGatewayCredential(secret, `${secret}x`)).toBe(false);
    expect(isGatewayCredential(secret, secret.slice(0, -1))).toBe(false);
    expect(isGatewayCredential(secret, secret.toUpperCase())).toBe(false);
  });
});

describe('gatewaySecretProblem', () => {
  it('allows no secret outside production, and requires one in production', () => {
    expect(gatewaySecretProblem(undefined, { production: false })).toBeNull();
    expect(gatewaySecretProblem('', { production: false })).toBeNull();
    expect(gatewaySecretProblem(undefined, { production: true })).toMatch(/required when NODE_ENV=production/);
    expect(gatewaySecretProblem('', { production: true })).toMatch(/required/);
  });

  it('refuses secrets under 32 characters, saying how long the given one was', () => {
    expect(gatewaySecretProblem('x'.repeat(31), { production: false })).toBe(
      'expected at least 32 characters, but got 31',
    );
    expect(gatewaySecretProblem('x'.repeat(32), { production: true })).toBeNull();
  });

  it('refuses the public development secret in production only', () => {
    expect(gatewaySecretProblem(developmentGatewaySecret, { production: false })).toBeNull();
    expect(gatewaySecretProblem(developmentGatewaySecret, { production: true })).toMatch(/public/);
  });
});

describe('gatewaySubscribeOf', () => {
  it('reads the three modes, and nothing when the extension is absent', () => {
    expect(gatewaySubscribeOf(undefined)).toBeNull();
    expect(gatewaySubscribeOf({ replay: { after: '1-0' } })).toBeNull();
    expect(gatewaySubscribeOf(gatewaySubscribeExtensions({ mode: 'shared' }))).toEqual({ mode: 'shared' });
    expect(gatewaySubscribeOf({ gateway: { mode: 'viewer' } })).toEqual({ mode: 'viewer', authorization: null });
    expect(gatewaySubscribeOf({ gateway: { mode: 'authorize', authorization: 'Bearer t' } })).toEqual({
      mode: 'authorize',
      authorization: 'Bearer t',
    });
  });

  it('refuses an unknown mode, a shared upstream with a viewer, and an authorization that is not a bounded string', () => {
    expect(gatewaySubscribeOf({ gateway: 'shared' })).toBe('invalid');
    expect(gatewaySubscribeOf({ gateway: { mode: 'admin' } })).toBe('invalid');
    expect(gatewaySubscribeOf({ gateway: { mode: 'shared', authorization: 'Bearer t' } })).toBe('invalid');
    expect(gatewaySubscribeOf({ gateway: { mode: 'viewer', authorization: 42 } })).toBe('invalid');
    const huge = `Bearer ${'x'.repeat(maxForwardedAuthorizationLength)}`;
    expect(gatewaySubscribeOf({ gateway: { mode: 'viewer', authorization: huge } })).toBe('invalid');
  });
});
