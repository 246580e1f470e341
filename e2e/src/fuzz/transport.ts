/**
 * Sends fuzz inputs as they are: HTTP requests written byte for byte on a raw socket (so broken framing,
 * invalid UTF-8 and odd targets reach the server unchanged) and graphql-ws sessions over `ws`.
 */
import { connect } from 'node:net';
import WebSocket from 'ws';
import { adminTokenPlaceholder, userTokenPlaceholder, type HttpInput, type WsInput } from './inputs.ts';

/** The run's access tokens, put where inputs hold placeholders. */
export interface Tokens {
  user: string;
  admin: string;
}

function withTokens(text: string, tokens: Tokens): string {
  return text.replaceAll(userTokenPlaceholder, tokens.user).replaceAll(adminTokenPlaceholder, tokens.admin);
}

const bytesOf = (body: string | Uint8Array, tokens: Tokens) =>
  typeof body === 'string' ? Buffer.from(withTokens(body, tokens), 'utf8') : Buffer.from(body);

/** The bytes of `input` on the wire; `last` asks the server to close after answering. */
export function serializeHttp(input: HttpInput, host: string, tokens: Tokens, last = true): Buffer {
  const body = bytesOf(input.body, tokens);
  const lines = [`${input.method} ${input.target} HTTP/1.1`, `host: ${host}`];
  for (const [name, value] of input.headers) lines.push(`${name}: ${withTokens(value, tokens)}`);
  let payload: Buffer = body;
  switch (input.framing) {
    case 'length':
      lines.push(`content-length: ${body.length}`);
      break;
    case 'short':
      lines.push(`content-length: ${Math.max(0, body.length - 7)}`);
      break;
    case 'long':
      lines.push(`content-length: ${body.length + 100}`);
      break;
    case 'chunked': {
      lines.push('transfer-encoding: chunked');
      const half = Math.floor(body.length / 2);
      const chunks = [body.subarray(0, half), body.subarray(half)].filter((chunk) => chunk.length > 0);
      payload = Buffer.concat([
        ...chunks.flatMap((chunk) => [Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]),
        Buffer.from('0\r\n\r\n'),
      ]);
      break;
    }
    case 'bad-chunks':
      lines.push('transfer-encoding: chunked');
      payload = Buffer.concat([Buffer.from('zz\r\n'), body, Buffer.from('\r\n-1\r\n\r\n')]);
      break;
    case 'none':
      break;
  }
  lines.push(`connection: ${last ? 'close' : 'keep-alive'}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  const next = input.pipelined ? serializeHttp(input.pipelined, host, tokens, true) : Buffer.alloc(0);
  return Buffer.concat([head, payload, next]);
}

/** One HTTP response as read off the socket. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** False when the connection ended (or the read was stopped) before the whole body came. */
  complete: boolean;
}

/** What came back for one request: every response on the connection, and how the read ended. */
export interface HttpOutcome {
  responses: RawResponse[];
  /** `closed`: the server closed the connection; `timeout`: nothing more came in time; `error`: a socket error. */
  ended: 'closed' | 'timeout' | 'error';
  error?: string;
}

/** Parses every response in `buffer` (HTTP/1.1: Content-Length, chunked, or until close). */
export function parseResponses(buffer: Buffer, closed: boolean, methods: string[]): RawResponse[] {
  const responses: RawResponse[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    const headEnd = buffer.indexOf('\r\n\r\n', offset);
    if (headEnd < 0) break;
    const [statusLine = '', ...headerLines] = buffer.subarray(offset, headEnd).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let cursor = headEnd + 4;
    const method = methods[responses.length] ?? 'GET';
    if (status === 100) {
      offset = cursor; // an interim response: the real one follows
      continue;
    }
    if (method === 'HEAD' || status === 204 || status === 304) {
      responses.push({ status, headers, body: Buffer.alloc(0), complete: true });
      offset = cursor;
      continue;
    }
    if (headers['transfer-encoding']?.includes('chunked')) {
      const parts: Buffer[] = [];
      let complete = false;
      for (;;) {
        const lineEnd = buffer.indexOf('\r\n', cursor);
        if (lineEnd < 0) break;
        const size = parseInt(buffer.subarray(cursor, lineEnd).toString('latin1'), 16);
        if (Number.isNaN(size) || lineEnd + 2 + size + 2 > buffer.length) break;
        cursor = lineEnd + 2 + size + 2;
        if (size === 0) {
          complete = true;
          break;
        }
        parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      }
      responses.push({ status, headers, body: Buffer.concat(parts), complete });
      if (!complete) break;
      offset = cursor;
      continue;
    }
    const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
    if (length === undefined) {
      responses.push({ status, headers, body: buffer.subarray(cursor), complete: closed });
      break;
    }
    const complete = cursor + length <= buffer.length;
    responses.push({ status, headers, body: buffer.subarray(cursor, cursor + length), complete });
    if (!complete) break;
    offset = cursor + length;
  }
  return responses;
}

/**
 * Writes `bytes` to host:port and reads until the server closes, every expected response is complete, or
 * `timeoutMs` passes. A streamed subscription (multipart) is read for `streamMs` and then cut.
 */
export function sendRaw(
  port: number,
  bytes: Buffer,
  options: { methods: string[]; halfClose: boolean; timeoutMs: number; streamMs?: number },
): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = connect(port, '127.0.0.1');
    const finish = (ended: HttpOutcome['ended'], error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(streamTimer);
      socket.destroy();
      const buffer = Buffer.concat(chunks);
      resolve({
        responses: parseResponses(buffer, ended === 'closed', options.methods),
        ended,
        ...(error ? { error } : {}),
      });
    };
    const timer = setTimeout(() => finish('timeout'), options.timeoutMs);
    let streamTimer: NodeJS.Timeout | undefined;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const responses = parseResponses(Buffer.concat(chunks), false, options.methods);
      if (responses.length >= options.methods.length && responses.every((response) => response.complete)) {
        finish('closed');
        return;
      }
      if (!streamTimer && responses[0]?.headers['content-type']?.startsWith('multipart/mixed')) {
        streamTimer = setTimeout(() => finish('closed'), options.streamMs ?? 500);
      }
    });
    socket.on('end', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('error', (error) => finish('error', (error as NodeJS.ErrnoException).code ?? error.message));
    // Large writes and a server that stops reading early (413) are fine: whatever it answered is still read.
    socket.write(bytes, () => {
      if (options.halfClose) socket.end();
    });
  });
}

/** What a graphql-ws session saw. */
export interface WsOutcome {
  /** The HTTP status when the upgrade was refused. */
  refusedStatus?: number;
  refusedBody?: string;
  messages: string[];
  closeCode?: number;
  closeReason?: string;
  framesSent: number;
  error?: string;
}

/**
 * Opens a socket, sends the first frame (connection_init, usually), waits for the ack (up to `ackMs`) so later
 * frames are not refused for arriving early, sends the rest, then listens until `idleMs` pass without a
 * message (or `maxMs` in all) and closes with 1000.
 */
export function runWsSession(
  wsUrl: string,
  input: WsInput,
  tokens: Tokens,
  options: { ackMs?: number; idleMs?: number; maxMs?: number } = {},
): Promise<WsOutcome> {
  const { ackMs = 1_000, idleMs = 250, maxMs = 3_000 } = options;
  return new Promise((resolve) => {
    const outcome: WsOutcome = { messages: [], framesSent: 0 };
    const protocols = input.protocol === null ? undefined : input.protocol.split(', ');
    const socket = new WebSocket(wsUrl, protocols, { handshakeTimeout: 5_000 });
    let settled = false;
    let idleTimer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(idleTimer);
      clearTimeout(overall);
      clearTimeout(ackTimer);
      if (socket.readyState === WebSocket.OPEN) socket.close(1000);
      else if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      resolve(outcome);
    };
    const overall = setTimeout(finish, maxMs);
    const idle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(finish, idleMs);
    };
    const send = (frame: string | Uint8Array) => {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(typeof frame === 'string' ? withTokens(frame, tokens) : Buffer.from(frame));
      outcome.framesSent++;
    };
    let rest = input.frames;
    let ackTimer: NodeJS.Timeout | undefined;
    const sendRest = () => {
      clearTimeout(ackTimer);
      const frames = rest;
      rest = [];
      for (const frame of frames) send(frame);
      idle();
    };
    socket.on('open', () => {
      const [first, ...others] = input.frames;
      rest = others;
      if (first !== undefined) send(first);
      if (typeof first === 'string' && first.includes('"connection_init"')) ackTimer = setTimeout(sendRest, ackMs);
      else sendRest();
    });
    socket.on('message', (data: WebSocket.RawData) => {
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
      outcome.messages.push(text);
      if (rest.length > 0 && text.includes('"connection_ack"')) sendRest();
      else idle();
    });
    socket.on('unexpected-response', (_request, response) => {
      outcome.refusedStatus = response.statusCode ?? 0;
      const parts: Buffer[] = [];
      response.on('data', (chunk: Buffer) => parts.push(chunk));
      response.on('end', () => {
        outcome.refusedBody = Buffer.concat(parts).toString('utf8');
        finish();
      });
      response.on('error', finish);
    });
    socket.on('close', (code, reason) => {
      // Only the server's closing counts: ours (after finishing) says nothing about it.
      if (!settled) {
        outcome.closeCode = code;
        outcome.closeReason = reason.toString('utf8');
      }
      finish();
    });
    socket.on('error', (error) => {
      outcome.error = error.message;
      finish();
    });
  });
}
