import type { WebSocket } from 'ws';
import { bracketNesting } from '../document-shape.ts';

/** What a client may send on graphql-transport-ws; the rest (`next`, `connection_ack`, ...) is the server's. */
const clientMessageTypes = new Set(['connection_init', 'ping', 'pong', 'subscribe', 'complete']);

/** graphql-ws's close code for a malformed message (BadRequest). */
const badRequest = 4400;

/**
 * Closes the socket with 4400 on a message graphql-ws would choke on: one nested deeper than `maxNesting`
 * (parsing and checking it recursively would overflow the stack, which graphql-ws reports as an internal error,
 * 4500, with the stack's message), or one of a type only a server sends (graphql-ws throws on those, also 4500).
 * Installed before graphql-ws's own listener, it keeps such messages from reaching it at all.
 */
export function guardMessages(socket: WebSocket, maxNesting: number): void {
  const emit = socket.emit.bind(socket);
  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'message' && args[1] === false) {
      const problem = problemOf(String(args[0]), maxNesting);
      if (problem) {
        socket.close(badRequest, problem);
        return true;
      }
    }
    return emit(event, ...args);
  }) as typeof socket.emit;
}

function problemOf(text: string, maxNesting: number): string | null {
  if (bracketNesting(text, maxNesting) > maxNesting) return `Message nested deeper than ${maxNesting}`;
  let type: unknown;
  try {
    type = (JSON.parse(text) as { type?: unknown } | null)?.type;
  } catch {
    return null; // graphql-ws answers what does not parse itself (4400)
  }
  if (typeof type === 'string' && !clientMessageTypes.has(type)) return 'Invalid message type';
  return null;
}
