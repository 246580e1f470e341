/**
 * What `bench:subscriptions` and its load client (`client/main.ts`) say to each other over the IPC channel: one
 * reply per request (see `ClientRequest`).
 */

/** A vendor as the subscribers expect to see it in every event. */
export interface BenchVendor {
  id: string;
  name: string;
}

export type ClientRequest =
  | {
      type: 'connect';
      /** The gateway's graphql-ws URL (ws://…/graphql). */
      url: string;
      /**
       * The location subgraph's own graphql-ws URL: one more socket subscribes there to every vendor directly,
       * as the gateway does upstream, to tell the time before the gateway from the time in it.
       */
      upstreamUrl: string;
      subscribers: number;
      /** Subscriber `i` follows `vendors[i % vendors.length]`. */
      vendors: BenchVendor[];
      ownerUsername: string;
      /**
       * Access tokens: subscriber `i` signs in as `tokens[i % tokens.length]` (in `connection_init`, on every
       * socket it opens). None: every subscriber is anonymous.
       */
      tokens: string[];
      /** Sockets opening at once; more would overflow the gateway's listen backlog. */
      connectConcurrency: number;
    }
  | { type: 'status' }
  /** The publishing window starts: the event loop's delay is measured from now on. */
  | { type: 'measure' }
  | {
      type: 'expect';
      /** The updates the parent measures: `[vendor index, updatedAt]`, as the mutation answered them. */
      accepted: [number, string][];
    }
  | { type: 'report' }
  /**
   * The first `subscribers` subscribers close their sockets (1000), each keeping the last `extensions.eventId`
   * and `updatedAt` it received; answered with a `LeaveReply` once the sockets are closed.
   */
  | { type: 'leave'; subscribers: number }
  /**
   * Those subscribers open new sockets, all at once, and subscribe again with `extensions: { lastEventId }`;
   * answered with a `ResumeReport` as soon as every reconnection has started, not when they are done.
   */
  | {
      type: 'resume';
      /** The gateway's graphql-ws URL. */
      url: string;
      /** The updates published while they were away, `[vendor index, updatedAt]`: each should arrive once, in order. */
      missed: [number, string][];
    }
  /** The updates published after they resubscribed: each should arrive once, after every missed one. */
  | { type: 'expect-live'; accepted: [number, string][] }
  | { type: 'resume-report' }
  | { type: 'close' };

export interface ConnectReply {
  type: 'connected';
  /** Sockets acknowledged by the gateway, each with its subscription sent. */
  subscribed: number;
  failed: number;
  errors: string[];
  elapsedMs: number;
}

export interface StatusReply {
  type: 'status';
  open: number;
  /** Subscribers that received at least one event, well-formed or not: the gateway holds their subscription. */
  receiving: number;
  /** Deliveries of the expected updates so far (0 before `expect`). */
  received: number;
  expected: number;
  /** Sockets closed or subscriptions ended (`error`, `complete`) by the gateway, and the first problems seen. */
  endedByServer: number;
  examples: string[];
}

export interface ClientReport {
  type: 'report';
  expected: number;
  received: number;
  /** Publish-to-receive latency of each expected delivery, in ms. */
  latenciesMs: number[];
  /** Per expected update: latency of its first delivery (the path to the gateway and its hydration). */
  firstDeliveryMs: number[];
  /** Per expected update seen on the direct upstream socket: its arrival there, minus `updatedAt`. */
  upstreamMs: number[];
  /** Per expected update: its first delivery minus its arrival on the direct upstream socket (the gateway's share). */
  gatewayMs: number[];
  /** Per expected update: its last delivery minus its first (the gateway's fan-out to the subscribers). */
  fanOutMs: number[];
  /** Events without data, with errors, or with a vendor or owner other than the subscribed one. */
  malformed: number;
  /** Events whose `updatedAt` was not newer than the subscriber's previous one (repeated or out of order). */
  stale: number;
  /** How late this process's event loop ran since `measure`: a late receipt adds to the latencies above. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** Sockets closed or subscriptions ended (`error`, `complete`) by the gateway. */
  endedByServer: number;
  /** A few of the problems above, for a diagnosis without flooding the output. */
  examples: string[];
}

export interface LeaveReply {
  type: 'left';
  /** Subscribers whose sockets were closed. */
  left: number;
  /** Of those, how many had received no `extensions.eventId` to resume from (they resubscribe without one). */
  withoutEventId: number;
}

/**
 * How the gateway resumed the subscribers that left (see `leave`, `resume`). Each should receive the updates of
 * its vendor that it missed (published after the last one it had), once each and in order, then the live ones.
 */
export interface ResumeReport {
  type: 'resume-report';
  resumed: number;
  withoutEventId: number;
  /** Resumed subscribers that received every event expected of them, or whose stream ended. */
  settled: number;
  /** Events expected across the resumed subscribers: the missed ones, then the live ones once `expect-live` came. */
  expected: number;
  /** Expected events received (the first time; repeats are counted apart). */
  received: number;
  /** Expected events that never arrived. */
  lost: number;
  /** Receipts of an event it already had: received earlier on the new socket, or on the old one before leaving. */
  repeated: number;
  /** Expected events that arrived after an event published later than them. */
  outOfOrder: number;
  /** Events without data, with errors, without `extensions.eventId`, or for a vendor or owner other than asked. */
  malformed: number;
  /** Well-formed events newer than the subscriber's last one that the phase did not publish. */
  unexpected: number;
  /** Resumed streams that ended, by the error's `extensions.code` (or how else they ended: close code, complete). */
  endedBy: Record<string, number>;
  /**
   * Per resumed subscriber acknowledged: from its reconnection's start to its subscribe going out, in ms (the
   * share of `catchUpMs` before the gateway could replay anything).
   */
  subscribeMs: number[];
  /** Per resumed subscriber that received every missed event: from its reconnection's start to the last one, ms. */
  catchUpMs: number[];
  /**
   * From the first reconnection's start until every resumed subscriber had all its missed events; null when one
   * never did.
   */
  allCaughtUpMs: number | null;
  /** Deliveries of the phase's updates to the subscribers that stayed connected: expected, and received. */
  stayedExpected: number;
  stayedReceived: number;
  /** Problems the subscribers that stayed connected had meanwhile (malformed, repeated, ended by the gateway). */
  stayedFailures: number;
  examples: string[];
}

export type ClientReply = ConnectReply | StatusReply | ClientReport | LeaveReply | ResumeReport | { type: 'closed' };
