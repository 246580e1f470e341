import type { Viewer } from '@curbside/auth';

/** Per-request state the gateway hands to its subgraph fetches. */
export interface GatewayContext {
  requestId: string;
  /** The caller's verified `Authorization` header, forwarded as is. */
  authorization: string | null;
  viewer: Viewer | null;
  /** The caller's address, for per-IP rate limits. */
  clientIp: string;
  /**
   * Calls `listener` if the client's HTTP connection closes before its response was written out (a streamed
   * `@defer` response then stops: no more subgraph fetches for it). Absent on the WebSocket, where closing
   * the socket returns the operation's stream.
   */
  onClientGone?: (listener: () => void) => void;
}
