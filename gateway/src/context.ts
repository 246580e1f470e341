import type { Viewer } from '@curbside/auth';

/** Per-request state the gateway hands to its subgraph fetches. */
export interface GatewayContext {
  requestId: string;
  /** The caller's verified `Authorization` header, forwarded as is. */
  authorization: string | null;
  viewer: Viewer | null;
  /** The caller's address, for per-IP rate limits. */
  clientIp: string;
}
