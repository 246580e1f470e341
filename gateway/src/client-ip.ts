import type { IncomingMessage } from 'node:http';

/** Longest `X-Forwarded-For` read: a proxy chain is a few addresses; the rest is the client's own writing. */
const maxForwardedForLength = 1_024;

/**
 * The caller's address as per-IP limits see it. With `trustedProxyHops` = 0 (the default) it is the socket's.
 * Behind N trusted proxies, each of which appends the address it received from to `X-Forwarded-For`, the
 * client is the N-th entry from the right: everything left of it was written by the client and is ignored
 * (taking the leftmost entry would let any client pick its own address, and so its own rate-limit budget).
 */
export function makeClientIp(trustedProxyHops: number): (req: IncomingMessage) => string {
  return (req) => {
    const socketAddress = req.socket.remoteAddress ?? 'unknown';
    if (trustedProxyHops <= 0) return socketAddress;
    const header = req.headers['x-forwarded-for'];
    // Several headers are joined in order, as one list (RFC 9110, section 5.3).
    const joined = Array.isArray(header) ? header.join(',') : (header ?? '');
    if (joined.length === 0) return socketAddress;
    // Only the tail can hold trusted entries; a longer header is cut from the left.
    const entries = joined
      .slice(-maxForwardedForLength)
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
    if (entries.length === 0) return socketAddress;
    // Fewer entries than trusted hops: the leftmost was still written by the first trusted proxy.
    return entries[Math.max(0, entries.length - trustedProxyHops)]!;
  };
}
