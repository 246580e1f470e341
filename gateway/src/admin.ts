import type { IncomingMessage, ServerResponse } from 'node:http';
import { viewerFromHeader, type AccessTokenVerifier, type Viewer } from '@curbside/auth';
import { sendCodedJson, sendJson } from '@curbside/http';
import { queueDashboardPath, type QueueDashboard } from './queue-dashboard.ts';

/** The cookie `POST /admin/session` sets for a browser; only /admin paths receive it. */
const adminCookie = 'curbside_admin';
/** The longest cookie header read for it: a token is under 1 KiB; anything longer is not ours. */
const maxCookieHeaderLength = 8 * 1024;

export interface AdminOptions {
  verifyAccessToken: AccessTokenVerifier;
  /** In production the cookie is `Secure` (HTTPS only). */
  production: boolean;
  /** The queue dashboard, when the gateway has the workers' queues. */
  queueDashboard: QueueDashboard | null;
}

/** The admin token from the cookie header, without a pattern: split on `;`, then on the first `=`. */
function cookieToken(header: string | undefined): string | undefined {
  if (!header || header.length > maxCookieHeaderLength) return undefined;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === adminCookie) return pair.slice(separator + 1).trim();
  }
  return undefined;
}

/**
 * Whether a browser sent this request from a page of another site. Browsers send `Origin` on every request
 * that changes state and `Sec-Fetch-Site` on all of them; a request with neither is not from a browser, so it
 * carries no ambient cookie to abuse and must prove itself with its Authorization header like any client.
 */
export function isCrossSite(req: IncomingMessage): boolean {
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true; // `null` (a sandboxed or privacy-sensitive context) or garbage: not this site
  }
}

/**
 * The admin pages: the caller's access token (header, or the cookie `POST /admin/session` sets for a browser)
 * must be an admin's. 401 without a valid token, 403 for anyone else, and 403 for any request a page of
 * another site sent (the cookie is SameSite=Strict already; the Origin check also covers older browsers and
 * sibling subdomains).
 */
export function makeAdminRoutes(options: AdminOptions) {
  return async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, requestId: string) {
    const headers = { 'x-request-id': requestId };
    if (isCrossSite(req)) {
      return sendCodedJson(res, 'FORBIDDEN', 'Admin pages answer only their own site.', headers);
    }
    const fromCookie = cookieToken(req.headers.cookie);
    const authorization = req.headers.authorization ?? (fromCookie ? `Bearer ${fromCookie}` : undefined);
    let viewer: Viewer | null = null;
    try {
      viewer = await viewerFromHeader(authorization, options.verifyAccessToken);
    } catch {
      viewer = null;
    }
    if (!viewer) return sendCodedJson(res, 'UNAUTHENTICATED', 'Sign in as an admin.', headers);
    if (viewer.role !== 'ADMIN') return sendCodedJson(res, 'FORBIDDEN', 'Admins only.', headers);
    if (path === '/admin/session' && req.method === 'POST') {
      // For a browser: the dashboard's own requests carry no Authorization header, so the token rides in a
      // cookie that scripts cannot read and other sites cannot send.
      const maxAge = Math.max(0, viewer.expiresAt - Math.floor(Date.now() / 1000));
      const secure = options.production ? '; Secure' : '';
      res.setHeader(
        'set-cookie',
        `${adminCookie}=${authorization!.slice('Bearer '.length)}; HttpOnly; SameSite=Strict; Path=/admin; Max-Age=${maxAge}${secure}`,
      );
      return sendJson(res, 200, { dashboard: queueDashboardPath }, headers);
    }
    const { queueDashboard } = options;
    if (queueDashboard && (path === queueDashboardPath || path.startsWith(`${queueDashboardPath}/`))) {
      return queueDashboard.handle(req, res);
    }
    sendJson(res, 404, { error: 'not found' }, headers);
  };
}
