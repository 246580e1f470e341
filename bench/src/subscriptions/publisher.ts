/** The publisher of `bench:subscriptions`: moves every vendor at the location subgraph, on a fixed schedule. */
import { sleep } from '../common/run.ts';
import { lisbon, roundPeriodMs, updateIntervalMs } from './config.ts';

const UPDATE = `mutation ($input: UpdateVendorLocationInput!) { updateVendorLocation(input: $input) { updatedAt } }`;

export interface Publishing {
  /** `[vendor index, updatedAt]` of each accepted update. */
  accepted: [number, string][];
  /** Request latency of each accepted update, in ms. */
  latenciesMs: number[];
  /** Per accepted update: its answer's arrival minus its `updatedAt` (the write, the commit and the publish). */
  writeAndPublishMs: number[];
  rateLimitedRetries: number;
  /** Updates sent after their slot in the schedule, to wait for the vendor's previous one-second slot to end. */
  heldBack: number;
  /** The longest such wait past the schedule, in ms. */
  heldBackMaxMs: number;
  failures: string[];
  /** From `startAtMs` until the last update was answered. */
  elapsedMs: number;
}

/**
 * Moves every vendor once per round for `rounds` rounds of `roundPeriodMs`, at the location subgraph. Each
 * vendor has its own slot in the round (vendor `i` at `i / vendors` of it), so the updates arrive as a steady
 * flow, not a burst of all vendors at once that would queue in the subgraph's connection pool and be measured
 * as delivery time. The schedule is fixed from `startAtMs`: a late update does not delay the next ones.
 *
 * The subgraph claims a vendor's one-second slot just before it stamps `updatedAt`, so an update sent more than
 * `updateIntervalMs` after the previous `updatedAt` (`lastUpdatedAtMs`, per vendor, carried from call to call)
 * is never refused. An update due sooner than that (its predecessor took more than the schedule's 20 ms headroom
 * from send to claim) is held back until then and counted; the next one is due on the schedule again. A
 * refusal (RATE_LIMITED) is still retried, and counted.
 */
export async function publish(
  locationUrl: string,
  token: string,
  vendorIds: readonly string[],
  lastUpdatedAtMs: number[],
  rounds: number,
  startAtMs: number,
): Promise<Publishing> {
  const outcome: Publishing = {
    accepted: [],
    latenciesMs: [],
    writeAndPublishMs: [],
    rateLimitedRetries: 0,
    heldBack: 0,
    heldBackMaxMs: 0,
    failures: [],
    elapsedMs: 0,
  };
  const move = async (vendorId: string, vendorIndex: number) => {
    const input = {
      vendorId,
      lat: lisbon.lat + (Math.random() - 0.5) * 0.1,
      lng: lisbon.lng + (Math.random() - 0.5) * 0.1,
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      const start = performance.now();
      const response = (await (
        await fetch(locationUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: UPDATE, variables: { input } }),
        })
      ).json()) as {
        data?: { updateVendorLocation: { updatedAt: string } } | null;
        errors?: { extensions?: Record<string, unknown> }[];
      };
      const answeredAtMs = Date.now();
      const error = response.errors?.[0];
      if (error?.extensions?.['code'] === 'RATE_LIMITED') {
        outcome.rateLimitedRetries++;
        await sleep(Number(error.extensions['retryAfterMs'] ?? 50) + 1);
        continue;
      }
      const updatedAt = response.data?.updateVendorLocation.updatedAt;
      if (error || !updatedAt) throw new Error(JSON.stringify(response.errors ?? response.data));
      outcome.latenciesMs.push(performance.now() - start);
      outcome.writeAndPublishMs.push(answeredAtMs - Date.parse(updatedAt));
      outcome.accepted.push([vendorIndex, updatedAt]);
      lastUpdatedAtMs[vendorIndex] = Date.parse(updatedAt);
      return;
    }
    throw new Error(`vendor ${vendorId}: still RATE_LIMITED after 3 attempts`);
  };
  await Promise.all(
    vendorIds.map(async (vendorId, vendorIndex) => {
      const offsetMs = (vendorIndex * roundPeriodMs) / vendorIds.length;
      for (let round = 0; round < rounds; round++) {
        const dueInMs = startAtMs + round * roundPeriodMs + offsetMs - performance.now();
        const slotFreeInMs = (lastUpdatedAtMs[vendorIndex] ?? 0) + updateIntervalMs + 1 - Date.now();
        if (slotFreeInMs > Math.max(0, dueInMs)) {
          outcome.heldBack++;
          outcome.heldBackMaxMs = Math.max(outcome.heldBackMaxMs, slotFreeInMs - Math.max(0, dueInMs));
        }
        await sleep(Math.max(dueInMs, slotFreeInMs));
        await move(vendorId, vendorIndex).catch((error: unknown) =>
          outcome.failures.push(error instanceof Error ? error.message : String(error)),
        );
      }
    }),
  );
  outcome.elapsedMs = performance.now() - startAtMs;
  return outcome;
}
