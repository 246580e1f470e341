import type { IncomingMessage, ServerResponse } from 'node:http';

/** Apollo Studio's hosted Sandbox and Explorer. */
export const studioOrigin = 'https://studio.apollographql.com';

const localOrigin = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

const allowedRequestHeaders = [
  'content-type',
  'authorization',
  'apollo-require-preflight',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-apollo-operation-name',
  'x-request-id',
].join(', ');

export interface CorsPolicy {
  /** Adds CORS headers for an allowed origin; answers a preflight and returns true when it was one. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/** Allows Studio, the configured origins and, outside production, any localhost origin (local Sandbox, dev servers). */
export function makeCorsPolicy(options: { extraOrigins: string[]; allowLocalhost: boolean }): CorsPolicy {
  const allowed = new Set([studioOrigin, ...options.extraOrigins]);
  const isAllowed = (origin: string) => allowed.has(origin) || (options.allowLocalhost && localOrigin.test(origin));
  return {
    handle(req, res) {
      const origin = req.headers.origin;
      res.setHeader('vary', 'Origin');
      if (origin && isAllowed(origin)) {
        res.setHeader('access-control-allow-origin', origin);
        res.setHeader('access-control-allow-credentials', 'true');
        res.setHeader('access-control-expose-headers', 'x-request-id');
      }
      if (req.method !== 'OPTIONS') return false;
      if (origin && isAllowed(origin)) {
        res.setHeader('access-control-allow-methods', 'GET, POST, PUT, OPTIONS'); // PUT: uploads to signed media URLs
        res.setHeader('access-control-allow-headers', allowedRequestHeaders);
        res.setHeader('access-control-max-age', '600'); // 10 minutes
      }
      res.statusCode = 204;
      res.end();
      return true;
    },
  };
}
