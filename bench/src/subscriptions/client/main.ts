/**
 * The load generator of `bench:subscriptions`, in a process of its own so that none of the gateway, the subgraphs
 * and the publisher shares its event loop: opens one graphql-ws socket per subscriber, subscribes each to one
 * vendor's `vendorLocationUpdated`, checks every event and records its publish-to-receive latency.
 *
 * After the measured phase, a share of the subscribers close their sockets and later subscribe again on new ones
 * with the last `extensions.eventId` they received (`leave`, `resume`): what the gateway then delivers to them
 * is checked against the updates they missed, apart from the measured figures (`ResumeReport`).
 *
 * Driven by its parent (`../client-process.ts`) over the IPC channel, one reply per request (see `ClientRequest`). It speaks the
 * graphql-transport-ws protocol on raw `ws` sockets: graphql-ws's `createClient` keeps timers, retry state and
 * a sink per subscription, which at thousands of sockets would cost the client more than it measures.
 */
import type { ClientReply, ClientRequest } from '../protocol.ts';
import { expect, report, status } from './measured.ts';
import { expectLive, leave, resume, resumeReport } from './resume.ts';
import { closeAll, connect } from './sockets.ts';
import { createClientState } from './state.ts';

const state = createClientState();

const reply = (message: ClientReply) => process.send!(message);

if (!process.send) throw new Error('subscriptions/client/main.ts is started by subscriptions.ts, with an IPC channel');

// The parent went away (crashed or killed): nothing is left to report to.
process.on('disconnect', () => process.exit(0));

process.on('message', (request: ClientRequest) => {
  switch (request.type) {
    case 'connect':
      void connect(state, request).then(reply);
      return;
    case 'status':
      reply(status(state));
      return;
    case 'measure':
      state.eventLoopDelay.reset();
      state.eventLoopDelay.enable();
      reply(status(state));
      return;
    case 'expect':
      expect(state, request.accepted);
      reply(status(state));
      return;
    case 'report':
      reply(report(state));
      return;
    case 'leave':
      void leave(state, request.subscribers).then(reply);
      return;
    case 'resume':
      resume(state, request.url, request.missed);
      reply(resumeReport(state));
      return;
    case 'expect-live':
      expectLive(state, request.accepted);
      reply(resumeReport(state));
      return;
    case 'resume-report':
      reply(resumeReport(state));
      return;
    case 'close':
      void closeAll(state).then(() => {
        reply({ type: 'closed' });
        process.disconnect();
      });
      return;
  }
});
