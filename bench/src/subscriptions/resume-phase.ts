/** The resume phase of `bench:subscriptions`, after the measured rounds (see `runResumePhase`). */
import { sleep } from '../common/run.ts';
import { pollClient, type ClientProcess } from './client-process.ts';
import { drainQuietMs, resumingCount, roundPeriodMs, roundsAway } from './config.ts';
import type { LeaveReply, ResumeReport } from './protocol.ts';
import { publish, type Publishing } from './publisher.ts';

export interface ResumePhase {
  left: LeaveReply;
  /** The rounds published while the leavers were away: the events each of them missed. */
  whileAway: Publishing;
  /** The round published once they had resubscribed. */
  live: Publishing;
  report: ResumeReport;
}

/**
 * After the measured rounds: `resumingCount` subscribers close their sockets, as connections lost; every vendor is
 * moved for `roundsAway` rounds meanwhile (the others go on receiving); then they all subscribe again at once, on
 * new sockets, with the last `extensions.eventId` they received, and one more round is published. The live round
 * follows on the schedule without waiting for them to catch up, so its events can reach the gateway while their
 * missed ones are still being replayed: the gateway must deliver those first, and none twice.
 */
export async function runResumePhase(
  client: ClientProcess,
  gatewayWsUrl: string,
  locationUrl: string,
  token: string,
  vendorIds: readonly string[],
  lastUpdatedAtMs: number[],
): Promise<ResumePhase> {
  const left = await client.ask<LeaveReply>({ type: 'leave', subscribers: resumingCount });
  const awayStart = performance.now();
  const whileAway = await publish(locationUrl, token, vendorIds, lastUpdatedAtMs, roundsAway, awayStart);
  await client.ask<ResumeReport>({ type: 'resume', url: gatewayWsUrl, missed: whileAway.accepted });
  // The live round goes on from the rounds away on the same schedule, as the measured rounds do from the probes.
  await sleep(awayStart + roundsAway * roundPeriodMs - performance.now());
  const live = await publish(locationUrl, token, vendorIds, lastUpdatedAtMs, 1, performance.now());
  await client.ask<ResumeReport>({ type: 'expect-live', accepted: live.accepted });
  // As after the measured rounds: deliveries still arriving are waited for until none came for `drainQuietMs`.
  const progressOf = (report: ResumeReport) => report.received + report.repeated + report.malformed + report.settled;
  let lastProgress = { progress: -1, atMs: performance.now() };
  await pollClient<ResumeReport>(
    client,
    // Done when every resumed subscriber settled and the ones that stayed got the phase's updates too.
    (report) => report.settled === report.resumed && report.stayedReceived >= report.stayedExpected,
    (report) => {
      if (progressOf(report) !== lastProgress.progress) {
        lastProgress = { progress: progressOf(report), atMs: performance.now() };
      }
      return performance.now() - lastProgress.atMs > drainQuietMs;
    },
    { type: 'resume-report' },
  );
  const report = await client.ask<ResumeReport>({ type: 'resume-report' }, 60_000);
  return { left, whileAway, live, report };
}
