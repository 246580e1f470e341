import { describe, expect, it } from 'vitest';
import { matchRoute, type Route } from './server.ts';

const route = (): Route => () => undefined;

describe('matchRoute', () => {
  const jwks = route();
  const files = route();
  const media = route();
  const filesExact = route();
  const routes = {
    '/.well-known/jwks.json': jwks,
    '/media/*': media,
    '/media/files/*': files,
    '/media/files/index': filesExact,
  };

  it('matches exact paths only exactly', () => {
    expect(matchRoute(routes, '/.well-known/jwks.json')).toBe(jwks);
    expect(matchRoute(routes, '/.well-known/jwks.json/x')).toBeUndefined();
    expect(matchRoute(routes, '/.well-known')).toBeUndefined();
  });

  it('matches a /* key for any longer path under it, preferring exact keys and then the longest prefix', () => {
    expect(matchRoute(routes, '/media/files/6f1c1c9e')).toBe(files);
    expect(matchRoute(routes, '/media/files/a/b')).toBe(files);
    expect(matchRoute(routes, '/media/uploads/6f1c1c9e')).toBe(media);
    expect(matchRoute(routes, '/media/files/index')).toBe(filesExact);
  });

  it('does not match the prefix itself, a sibling sharing its letters, or inherited keys', () => {
    expect(matchRoute(routes, '/media/files/')).toBe(media);
    expect(matchRoute(routes, '/media/')).toBeUndefined();
    expect(matchRoute(routes, '/media')).toBeUndefined();
    expect(matchRoute(routes, '/mediax/files/1')).toBeUndefined();
    expect(matchRoute(routes, '/toString')).toBeUndefined();
  });
});
