/**
 * The load client's resume phase: subscribers leave, come back with the last event id they had, and what the
 * gateway then delivers to them is checked against what they missed (see `ResumeReport`).
 */
import WebSocket from 'ws';
import type { LeaveReply, ResumeReport } from '../protocol.ts';
import { socketOf, subscribeOnSocket } from './sockets.ts';
import { noteResumed, type ClientState, type Resumption } from './state.ts';

/** `updatedAt` of the given updates per vendor index, oldest first: the order a subscriber should get them in. */
export function updatedAtsByVendor(state: ClientState, accepted: readonly [number, string][]): string[][] {
  const byVendor = state.vendors.map((): string[] => []);
  for (const [vendorIndex, updatedAt] of accepted) byVendor[vendorIndex]?.push(updatedAt);
  for (const updatedAts of byVendor) updatedAts.sort();
  return byVendor;
}

/**
 * Closes the sockets of the first `count` subscribers (subscriber `i` follows vendor `i % vendors`, so they are
 * spread evenly over the vendors), as connections lost; resolves once closed, or after 5 s.
 */
export async function leave(state: ClientState, count: number): Promise<LeaveReply> {
  state.leavers = state.subscribers.slice(0, count);
  state.withoutEventId = state.leavers.filter((subscriber) => subscriber.lastEventId === null).length;
  state.failuresBeforeLeaving = state.malformed + state.stale + state.endedByServer;
  const open = state.leavers.filter(({ socket }) => socket.readyState !== WebSocket.CLOSED);
  const closed = Promise.all(open.map(({ socket }) => new Promise((resolve) => socket.once('close', resolve))));
  for (const { socket } of open) {
    state.closedOnPurpose.add(socket);
    socket.close(1000);
  }
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  return { type: 'left', left: state.leavers.length, withoutEventId: state.withoutEventId };
}

/**
 * Reconnects every subscriber that left at once, as clients do after a network blip, each on a new socket with
 * the last event id it received; does not wait for them. Each one's clock starts as its socket is opened.
 */
export function resume(state: ClientState, url: string, missed: [number, string][]): void {
  state.missedByVendor = updatedAtsByVendor(state, missed);
  state.resumePhaseUpdates = [...missed];
  for (const subscriber of state.leavers) {
    subscriber.socket = socketOf(url, subscriber.index);
    const resumption: Resumption = {
      leftAfter: subscriber.lastUpdatedAt,
      startedAtMs: Date.now(),
      subscribedAtMs: null,
      receipts: [],
      malformed: 0,
      endedBy: null,
    };
    subscriber.resumption = resumption;
    const extensions = subscriber.lastEventId === null ? {} : { lastEventId: subscriber.lastEventId };
    subscribeOnSocket(state, subscriber, extensions).catch((error: unknown) => {
      resumption.endedBy ??= 'not reconnected';
      noteResumed(state, `reconnection failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
}

/** The updates published once the leavers had resubscribed: expected after every missed one. */
export function expectLive(state: ClientState, accepted: [number, string][]): void {
  state.liveByVendor = updatedAtsByVendor(state, accepted);
  state.resumePhaseUpdates.push(...accepted);
}

/** Checks what each resumed subscriber received against what it missed and the live updates since. */
export function resumeReport(state: ClientState): ResumeReport {
  const report: ResumeReport = {
    type: 'resume-report',
    resumed: state.leavers.length,
    withoutEventId: state.withoutEventId,
    settled: 0,
    expected: 0,
    received: 0,
    lost: 0,
    repeated: 0,
    outOfOrder: 0,
    malformed: 0,
    unexpected: 0,
    endedBy: {},
    subscribeMs: [],
    catchUpMs: [],
    allCaughtUpMs: null,
    stayedExpected: 0,
    stayedReceived: 0,
    stayedFailures: state.malformed + state.stale + state.endedByServer - state.failuresBeforeLeaving,
    examples: state.resumeExamples,
  };
  let firstStartMs = Number.POSITIVE_INFINITY;
  let lastCaughtUpMs = Number.NEGATIVE_INFINITY;
  let everyoneCaughtUp = true;
  for (const subscriber of state.leavers) {
    const resumption = subscriber.resumption;
    if (!resumption) continue;
    const vendorId = state.vendors[subscriber.vendorIndex]!.id;
    const missed = (state.missedByVendor[subscriber.vendorIndex] ?? []).filter(
      (updatedAt) => updatedAt > resumption.leftAfter,
    );
    const sequence = [...missed, ...(state.liveByVendor?.[subscriber.vendorIndex] ?? [])];
    const positionOf = new Map(sequence.map((updatedAt, position) => [updatedAt, position]));
    const seen = new Set<string>();
    let furthest = -1;
    let missedToGo = missed.length;
    let caughtUpAtMs = missed.length === 0 ? resumption.startedAtMs : null;
    for (const { updatedAt, receivedAtMs } of resumption.receipts) {
      const position = positionOf.get(updatedAt);
      if (position === undefined) {
        if (updatedAt <= resumption.leftAfter) {
          report.repeated++;
          noteResumed(
            state,
            `${vendorId} (resumed): ${updatedAt} again, it had ${resumption.leftAfter} before leaving`,
          );
        } else {
          report.unexpected++;
          noteResumed(state, `${vendorId} (resumed): ${updatedAt}, not published in the resume phase`);
        }
      } else if (seen.has(updatedAt)) {
        report.repeated++;
        noteResumed(state, `${vendorId} (resumed): ${updatedAt} twice on the new socket`);
      } else {
        seen.add(updatedAt);
        if (position < furthest) {
          report.outOfOrder++;
          noteResumed(state, `${vendorId} (resumed): ${updatedAt} after ${sequence[furthest]}`);
        }
        furthest = Math.max(furthest, position);
        if (position < missed.length && --missedToGo === 0) caughtUpAtMs = receivedAtMs;
      }
    }
    report.expected += sequence.length;
    report.received += seen.size;
    report.lost += sequence.length - seen.size;
    report.malformed += resumption.malformed;
    if (resumption.endedBy !== null) {
      report.endedBy[resumption.endedBy] = (report.endedBy[resumption.endedBy] ?? 0) + 1;
    }
    if (resumption.endedBy !== null || (state.liveByVendor !== null && seen.size === sequence.length)) report.settled++;
    firstStartMs = Math.min(firstStartMs, resumption.startedAtMs);
    if (resumption.subscribedAtMs !== null) report.subscribeMs.push(resumption.subscribedAtMs - resumption.startedAtMs);
    if (caughtUpAtMs === null) {
      everyoneCaughtUp = false;
    } else {
      if (missed.length > 0) report.catchUpMs.push(caughtUpAtMs - resumption.startedAtMs);
      lastCaughtUpMs = Math.max(lastCaughtUpMs, caughtUpAtMs);
    }
  }
  if (everyoneCaughtUp && report.resumed > 0) report.allCaughtUpMs = lastCaughtUpMs - firstStartMs;
  // The subscribers that stayed connected should have had every update of the phase, as in the measured one.
  const stayedPerVendor = new Array<number>(state.vendors.length).fill(0);
  for (const subscriber of state.subscribers)
    if (subscriber.resumption === null) stayedPerVendor[subscriber.vendorIndex]!++;
  for (const [vendorIndex, updatedAt] of state.resumePhaseUpdates) {
    report.stayedExpected += stayedPerVendor[vendorIndex]!;
    report.stayedReceived += state.updates.get(`${vendorIndex} ${updatedAt}`)?.latenciesMs.length ?? 0;
  }
  return report;
}
