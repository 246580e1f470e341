/** graphql-ws clients for tests: connect with a token, collect a subscription's events, wait for them. */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { expect } from 'vitest';
import { waitFor } from './wait.ts';

/** Every client opened through `liveClient`, so a test file can dispose them after each test. */
export const openLiveClients: Client[] = [];

export async function disposeLiveClients(): Promise<void> {
  await Promise.all(openLiveClients.splice(0).map((client) => client.dispose()));
}

/**
 * A graphql-ws client of `httpUrl` (as ws://), sending the token in `connection_init`; it does not retry, so a
 * refused or dropped socket shows. `onClosed` receives each close code.
 */
export function liveClient(httpUrl: string, token?: string, onClosed?: (code: number) => void): Client {
  const created = createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    on: onClosed ? { closed: (event) => onClosed((event as { code: number }).code) } : {},
  });
  openLiveClients.push(created);
  return created;
}

export interface Live {
  events: Record<string, any>[];
  /** How the stream ended: `{}` when completed, `{ error }` when it failed; null while open. */
  ended: { error?: unknown } | null;
  /** The next event, waiting up to `timeoutMs` (default 5 s). */
  next(what: string, timeoutMs?: number): Promise<Record<string, any>>;
  /** The stream's end, waiting up to 5 s. */
  end(what: string): Promise<{ error?: unknown }>;
  /** Waits `ms` and asserts nothing arrived. */
  expectQuiet(ms?: number): Promise<void>;
  stop(): void;
}

export function subscribe(
  on: Client,
  query: string,
  variables: Record<string, unknown>,
  extensions?: Record<string, unknown>,
): Live {
  const live: Live = {
    events: [],
    ended: null,
    next: (what, timeoutMs = 5_000) => waitFor(what, async () => live.events.shift(), timeoutMs),
    end: (what) => waitFor(what, async () => live.ended, 5_000),
    async expectQuiet(ms = 600) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      expect(live.events).toEqual([]);
    },
    stop: () => undefined,
  };
  live.stop = on.subscribe(
    { query, variables, ...(extensions ? { extensions } : {}) },
    {
      next: (value) => void live.events.push(value as Record<string, any>),
      error: (error) => void (live.ended = { error }),
      complete: () => void (live.ended ??= {}),
    },
  );
  return live;
}

/** The first result of a subscription that must fail at subscribe time: its error code. */
export async function refusal(on: Client, query: string, variables: Record<string, unknown>): Promise<unknown> {
  const live = subscribe(on, query, variables);
  const first = await live.next('the refusal');
  expect(first['data'] ?? null).toBeNull();
  return first['errors']?.[0]?.extensions?.code;
}

/** The code of the error a stream ended with (graphql-ws sends the error list). */
export function endCode(ended: { error?: unknown }): unknown {
  const errors = ended.error as { extensions?: { code?: unknown } }[] | undefined;
  return Array.isArray(errors) ? errors[0]?.extensions?.code : undefined;
}

/** What every live event of a keyed subscription carries: its id, for resuming after it (`lastEventId`). */
export const withEventId = () => ({ eventId: expect.stringMatching(/^\d+-\d+$/) });
