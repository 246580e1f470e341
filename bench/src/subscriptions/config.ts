/**
 * The knobs of `bench:subscriptions` (BENCH_*, read once at load) and the constants of its schedule: the sizes of
 * the run, the publishing rounds, and the limits the processes must stay within.
 */
import { intFromEnv } from '../common/report.ts';

/** 100 per vendor: at one update per vendor per `roundPeriodMs`, 5,098 deliveries/s are offered (see below). */
export const subscriberCount = intFromEnv('BENCH_SUBSCRIBERS', 5_200);
/** BENCH_VENDORS: vendors the subscribers are spread over, round-robin (52). */
export const vendorCount = intFromEnv('BENCH_VENDORS', 52);
/** Rounds of `roundPeriodMs`, each moving every vendor once. */
export const publishRounds = intFromEnv('BENCH_SECONDS', 20);
/** Subscribers that leave and resume after the measured rounds (see `runResumePhase`): a fifth by default. */
export const resumingCount = Math.min(intFromEnv('BENCH_RESUMING', 1_000), subscriberCount);
/** Rounds published while they are away: each of them misses that many events. */
export const roundsAway = 2;
/**
 * BENCH_RELOAD_AT_SECONDS: that many seconds into the measured rounds, the gateway's supergraph file is rewritten
 * with a compatible change (a field added on Query) and the gateway reloads it under load (see `reload.ts`); the
 * measured rounds' lost and repeated counts then cover the reload. Unset (the default): no reload.
 */
export const reloadAtSeconds =
  process.env['BENCH_RELOAD_AT_SECONDS'] === undefined || process.env['BENCH_RELOAD_AT_SECONDS'] === ''
    ? null
    : intFromEnv('BENCH_RELOAD_AT_SECONDS', 1);
/** BENCH_GATEWAY_CPU_PROFILE: a folder the gateway writes a CPU profile to (`--cpu-prof`); none by default. */
export const gatewayProfileDir = process.env['BENCH_GATEWAY_CPU_PROFILE'] || undefined;
/**
 * Signed-in users the subscribers are spread over; 0 (the default): every subscriber is anonymous. Subscriber `i`
 * sends user `i % N`'s access token in `connection_init`. This operation selects no `@viewerDependent` field, so
 * the gateway shares one upstream subscription and one hydration per vendor between all its subscribers, signed
 * in or not (each authorized at the location subgraph when subscribing), on a few sockets per subgraph: signed in
 * should cost what anonymous costs. The users have no accounts (see `mintAccessTokens`). With few users, each one's subscriptions can exceed
 * the gateway's per-user budget (RATE_LIMIT_USER_COST, 1,000 a minute; this subscription costs 9) and are
 * refused with RATE_LIMITED: at the default sizes, keep N at 60 or more.
 */
export const signedInUsers = Math.min(
  process.env['BENCH_SIGNED_IN_USERS'] === '0' ? 0 : intFromEnv('BENCH_SIGNED_IN_USERS', 0),
  subscriberCount,
);
/** How long the signed-in users' access tokens are valid: the whole run. */
export const tokenLifetimeSeconds = 3_600;
/** The most sockets the gateway opens to one subgraph (its default `maxSocketsPerSubgraph`). */
export const upstreamSocketsPerSubgraph = 4;

/** The location subgraph accepts one position per vendor per this interval (its rate limit): 1 second. */
export const updateIntervalMs = 1_000;
/**
 * Every vendor is moved once per round, on a fixed schedule counted from the start, so the rate cannot drift:
 * 1.02 s, 20 ms over `updateIntervalMs`. That headroom lets a request reach the subgraph's claim of the vendor's
 * slot up to 20 ms sooner after its send than the previous request did without being refused (see `publish`).
 * Deliveries offered per second: subscribers / 1.02 s, so 5,000/s takes at least 5,100 subscribers.
 */
export const roundPeriodMs = 1_020;
/** Sockets the client opens at once: the gateway's listen backlog (511) must not overflow. */
export const connectConcurrency = 200;
/** How long the probe rounds may take to reach every subscriber before the run is declared broken. */
export const readinessTimeoutMs = 60_000;
/** After the last round, deliveries still arriving are waited for until none came for this long. */
export const drainQuietMs = 3_000;
/** Descriptors a process needs besides its sockets to subscribers (modules, upstreams, HTTP pools). */
export const descriptorMargin = 256;
/** Where the vendors are moved around (Lisbon). */
export const lisbon = { lat: 38.7223, lng: -9.1393 };

/**
 * The warnings, if any, that the processes may need more files than they may open: the gateway and the load client
 * each a socket per subscriber; signed in, the gateway also its few sockets to the location subgraph, and its
 * entity fetches up to one pooled connection per hydration (one per vendor) in flight to each of the vendor and
 * user subgraphs.
 */
export function descriptorWarnings(descriptorLimit: number): {
  descriptorWarning: string | null;
  signedInDescriptorWarning: string | null;
} {
  const descriptorsNeeded = subscriberCount + descriptorMargin;
  const descriptorWarning =
    descriptorLimit >= descriptorsNeeded
      ? null
      : `WARNING: a process may open ${descriptorLimit} files here (ulimit -Hn), but the gateway and the load ` +
        `client each need about ${descriptorsNeeded}: sockets past the limit fail (EMFILE). Raise the hard ` +
        'limit (limits.conf, systemd LimitNOFILE, docker --ulimit nofile) or lower BENCH_SUBSCRIBERS.';
  const signedInDescriptorsNeeded = subscriberCount + upstreamSocketsPerSubgraph + 2 * vendorCount + descriptorMargin;
  const signedInDescriptorWarning =
    signedInUsers === 0 || descriptorLimit >= signedInDescriptorsNeeded
      ? null
      : `WARNING: signed in as ${signedInUsers} users, the gateway may need up to ${signedInDescriptorsNeeded} ` +
        `files (a socket per subscriber, a few to the location subgraph, and one HTTP connection per ` +
        `hydration in flight to each of the vendor and user subgraphs), over its limit of ${descriptorLimit}: ` +
        'its connections past the limit fail (EMFILE).';
  return { descriptorWarning, signedInDescriptorWarning };
}
