/**
 * `pnpm bench:subscriptions`: federated subscriptions at the gateway. The subgraphs run as processes of their
 * own, as deployed (`startProcessStack`); one gateway runs as a process of its own too (its memory and CPU are
 * measured alone), and a load client process opens one graphql-ws socket per subscriber, spread round-robin
 * over the vendors, each subscribed to `vendorLocationUpdated` with fields from the location, vendor and user
 * subgraphs. For BENCH_SECONDS rounds of `roundPeriodMs` this process (the publisher, alone) moves every vendor
 * once per round at the location subgraph; every event is checked, and each delivery's latency is its receive
 * time minus the event's `updatedAt` (one machine, one clock). The client also subscribes straight at the
 * location subgraph, so the latency splits into before and inside the gateway.
 *
 * Then, apart from those figures, resuming (see `runResumePhase`): BENCH_RESUMING subscribers close their
 * sockets, miss 2 rounds, and subscribe again all at once with the last `extensions.eventId` they received; each
 * must get the events it missed once and in order, then the next live one.
 *
 * Knobs: BENCH_SUBSCRIBERS (5,200), BENCH_VENDORS (52), BENCH_SECONDS (20 rounds), BENCH_RESUMING (1,000);
 * BENCH_SIGNED_IN_USERS (0: anonymous; see `signedInUsers`); BENCH_GATEWAY_CPU_PROFILE=<dir> runs the gateway
 * with `--cpu-prof` into that folder. Exits 1 when an event was lost or malformed, or a resumed subscriber lost,
 * repeated or reordered one.
 * The processes are stopped, and the databases and Redis keys dropped, on every ending; when this process is
 * killed outright, by its janitor process (see `runJanitor`).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomBytes, randomUUID, sign, type JsonWebKey } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ProcessStack } from '@curbside/e2e';
import { intFromEnv, printFacts, printTable, result, type OperationResult } from './report.ts';
import { summarize } from './stats.ts';
import type {
  BenchVendor,
  ClientReply,
  ClientReport,
  ClientRequest,
  ConnectReply,
  LeaveReply,
  ResumeReport,
  StatusReply,
} from './subscriptions-client.ts';

/** 100 per vendor: at one update per vendor per `roundPeriodMs`, 5,098 deliveries/s are offered (see below). */
const subscriberCount = intFromEnv('BENCH_SUBSCRIBERS', 5_200);
const vendorCount = intFromEnv('BENCH_VENDORS', 52);
/** Rounds of `roundPeriodMs`, each moving every vendor once. */
const publishRounds = intFromEnv('BENCH_SECONDS', 20);
/** Subscribers that leave and resume after the measured rounds (see `runResumePhase`): a fifth by default. */
const resumingCount = Math.min(intFromEnv('BENCH_RESUMING', 1_000), subscriberCount);
/** Rounds published while they are away: each of them misses that many events. */
const roundsAway = 2;
const gatewayProfileDir = process.env['BENCH_GATEWAY_CPU_PROFILE'] || undefined;
/**
 * Signed-in users the subscribers are spread over; 0 (the default): every subscriber is anonymous. Subscriber `i`
 * sends user `i % N`'s access token in `connection_init`. The gateway shares an upstream subscription and a
 * hydration only between subscribers identical in operation, variables and credentials, and opens one socket per
 * (subgraph, credentials): anonymous subscribers of a vendor share all of that, distinct users each get their
 * own. The users have no accounts (see `mintAccessTokens`). With few users, each one's subscriptions can exceed
 * the gateway's per-user budget (RATE_LIMIT_USER_COST, 1,000 a minute; this subscription costs 9) and are
 * refused with RATE_LIMITED: at the default sizes, keep N at 60 or more.
 */
const signedInUsers = Math.min(
  process.env['BENCH_SIGNED_IN_USERS'] === '0' ? 0 : intFromEnv('BENCH_SIGNED_IN_USERS', 0),
  subscriberCount,
);
/** How long the signed-in users' access tokens are valid: the whole run. */
const tokenLifetimeSeconds = 3_600;
/**
 * The hydrations and upstream subscriptions the gateway holds: one per (operation, variables, credentials), here
 * per (vendor, user), the anonymous subscribers of a vendor sharing one. The gateway does not report them.
 */
const sharedHydrations = new Set(
  Array.from({ length: subscriberCount }, (_, i) => `${i % vendorCount} ${signedInUsers && i % signedInUsers}`),
).size;

/** The location subgraph accepts one position per vendor per this interval (its rate limit): 1 second. */
const updateIntervalMs = 1_000;
/**
 * Every vendor is moved once per round, on a fixed schedule counted from the start, so the rate cannot drift:
 * 1.02 s, 20 ms over `updateIntervalMs`. That headroom lets a request reach the subgraph's claim of the vendor's
 * slot up to 20 ms sooner after its send than the previous request did without being refused (see `publish`).
 * Deliveries offered per second: subscribers / 1.02 s, so 5,000/s takes at least 5,100 subscribers.
 */
const roundPeriodMs = 1_020;
/** Sockets the client opens at once: the gateway's listen backlog (511) must not overflow. */
const connectConcurrency = 200;
/** How long the probe rounds may take to reach every subscriber before the run is declared broken. */
const readinessTimeoutMs = 60_000;
/** After the last round, deliveries still arriving are waited for until none came for this long. */
const drainQuietMs = 3_000;
/** Descriptors a process needs besides its sockets to subscribers (modules, upstreams, HTTP pools). */
const descriptorMargin = 256;
const lisbon = { lat: 38.7223, lng: -9.1393 };

const UPDATE = `mutation ($input: UpdateVendorLocationInput!) { updateVendorLocation(input: $input) { updatedAt } }`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const percent = (value: number) => `${value.toFixed(0)}%`;
const thousands = (value: number) => value.toLocaleString('en-US');

/**
 * How many files this process may open, from /proc. Node raises its soft limit to the hard one at startup, so
 * this is the hard limit (`ulimit -Hn`), and every Node child gets the same.
 */
function openFileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((row) => row.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === 'unlimited' || soft === undefined ? Number.POSITIVE_INFINITY : Number(soft);
}

/** Resident memory of a process, in bytes (VmRSS). */
function residentBytes(pid: number): number {
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kib) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kib) * 1024;
}

const clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU time (user + system) a process has used, in seconds. */
function cpuSeconds(pid: number): number {
  // Fields after the command name, which is parenthesised and may itself hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

/** CPU time all CPUs of the machine spent busy (everything but idle and I/O wait), in seconds, from /proc/stat. */
function machineBusySeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
  return (
    [user, nice, system, irq, softirq, steal].reduce((sum: number, value = 0) => sum + value, 0) / clockTicksPerSecond
  );
}

const openDescriptors = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/**
 * Established TCP connections from process `pid` to `port` on this machine, from /proc: its sockets' inodes
 * (/proc/<pid>/fd) matched against the TCP tables of its network namespace.
 */
function connectionsTo(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // closed meanwhile
    }
  }
  const portSuffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let count = 0;
  for (const table of ['tcp', 'tcp6']) {
    const rows = readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1);
    for (const row of rows) {
      // sl, local address, remote address, state (01: established), queues, timer, retransmits, uid, timeout, inode
      const fields = row.trim().split(/\s+/);
      if (fields[3] === '01' && fields[2]?.endsWith(portSuffix) && inodes.has(fields[9]!)) count++;
    }
  }
  return count;
}

/** The gateway's unlabelled Prometheus samples (/metrics), by name; empty when it does not answer within 5 s. */
async function gatewayMetrics(gatewayUrl: string): Promise<Map<string, number>> {
  try {
    const response = await fetch(new URL('/metrics', gatewayUrl), { signal: AbortSignal.timeout(5_000) });
    const samples = new Map<string, number>();
    for (const line of (await response.text()).split('\n')) {
      const [, name, value] = /^([a-z_]+) (\S+)$/.exec(line) ?? [];
      if (name && value) samples.set(name, Number(value));
    }
    return samples;
  } catch {
    return new Map();
  }
}

/**
 * `count` access tokens, each for a user id of its own (random UUID v4, no account behind it), valid for
 * `expiresInSeconds`: the claims and header of the user subgraph's tokens, signed with its signing key (the
 * oldest in its database signs), read from its database as @curbside/e2e's `signAccessToken` does (which takes
 * the in-process `TestStack`). Neither the gateway nor the subgraphs look the account up for this subscription:
 * they check the signature and claims, and that the account is not on the blocklist (in Redis, by user id).
 */
async function mintAccessTokens(userDatabaseUrl: string, count: number, expiresInSeconds: number): Promise<string[]> {
  const { queryRows } = await import('@curbside/e2e');
  const [row] = await queryRows(
    userDatabaseUrl,
    'select private_jwk from signing_key order by created_at, kid limit 1',
  );
  const jwk = row?.['private_jwk'] as (JsonWebKey & { kid?: string }) | undefined;
  if (!jwk?.kid) throw new Error('the user subgraph has no signing key');
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  const encoded = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encoded({ alg: 'EdDSA', kid: jwk.kid, typ: 'at+jwt' });
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, () => {
    const claims = encoded({
      role: 'USER',
      sid: randomUUID(),
      sub: randomUUID(),
      iss: 'curbside',
      aud: 'curbside-api',
      iat: now,
      exp: now + expiresInSeconds,
    });
    return `${header}.${claims}.${sign(null, Buffer.from(`${header}.${claims}`), key).toString('base64url')}`;
  });
}

/** Sends SIGTERM and waits for the exit; SIGKILL when the process has not exited after `graceMs`. */
function terminate(child: ChildProcess, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

interface GatewayProcess {
  pid: number;
  /** The gateway's HTTP URL, as its ready line gives it. */
  url: string;
  /** The gateway's graphql-ws endpoint. */
  wsUrl: string;
  stop(): Promise<void>;
}

/** Starts `gateway/src/main.ts` as its own process on an OS-chosen port, pointed at the stack's subgraph processes. */
async function startGatewayProcess(stack: ProcessStack): Promise<GatewayProcess> {
  const entry = fileURLToPath(new URL('../../gateway/src/main.ts', import.meta.url));
  const profile = gatewayProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${gatewayProfileDir}`] : [];
  const subgraphEnv = Object.fromEntries(
    Object.entries(stack.subgraphs).map(([name, { url }]) => [`SUBGRAPH_URL_${name.toUpperCase()}`, url]),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', ...profile, entry], {
    env: {
      ...process.env,
      ...subgraphEnv,
      PORT: '0',
      HOST: '127.0.0.1',
      JWKS_URL: new URL('/.well-known/jwks.json', stack.subgraphs.user.url).toString(),
      REDIS_KEY_PREFIX: stack.redisKeyPrefix,
      NODE_ENV: 'production',
      // Required in production; the subgraph processes run in development without one, so they do not check it.
      GATEWAY_SECRET: randomBytes(32).toString('hex'),
      // The load client gives each subscriber its own address in X-Forwarded-For (see subscriptions-client.ts).
      TRUST_PROXY: 'true',
      // The URL is only in the ready line, logged at info; the gateway logs nothing per request at info.
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () => terminate(child);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the gateway process was not ready within 60 s')), 60_000);
      child.once('exit', (code) => reject(new Error(`the gateway process exited with ${code}`)));
      // Read to the end, not only until ready: a full pipe would block the gateway's log writes.
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const url = /"url":"([^"]+)"/.exec(line)?.[1];
        if (line.includes('gateway ready') && url) {
          clearTimeout(timer);
          resolve(url);
        } else if (/"level":(4|5|6)\d/.test(line)) {
          console.error(`[gateway] ${line}`);
        }
      });
    });
    return { pid: child.pid!, url, wsUrl: url.replace(/^http/, 'ws'), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface ClientProcess {
  pid: number;
  ask<Reply extends ClientReply>(request: ClientRequest, timeoutMs?: number): Promise<Reply>;
  stop(): Promise<void>;
}

/** Starts `subscriptions-client.ts` with an IPC channel; it answers each request with one message, in order. */
function startClientProcess(): ClientProcess {
  const script = fileURLToPath(new URL('./subscriptions-client.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting: { resolve: (reply: ClientReply) => void; reject: (error: Error) => void }[] = [];
  child.on('message', (reply: ClientReply) => waiting.shift()?.resolve(reply));
  child.once('exit', (code, signal) => {
    for (const waiter of waiting.splice(0)) waiter.reject(new Error(`the load client exited (${code ?? signal})`));
  });
  return {
    pid: child.pid!,
    ask: <Reply extends ClientReply>(request: ClientRequest, timeoutMs = 30_000) =>
      new Promise<Reply>((resolve, reject) => {
        if (!child.connected) return reject(new Error('the load client is not running'));
        const timer = setTimeout(
          () => reject(new Error(`the load client did not answer '${request.type}' within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiting.push({
          resolve: (reply) => {
            clearTimeout(timer);
            resolve(reply as Reply);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send(request);
      }),
    async stop() {
      if (child.connected) {
        // Closing its sockets itself lets the gateway see ordinary 1000 closes, not resets.
        const closed = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.send({ type: 'close' } satisfies ClientRequest);
        await Promise.race([closed, sleep(10_000)]);
      }
      await terminate(child, 2_000);
    },
  };
}

interface Publishing {
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
async function publish(
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

/**
 * Polls the client with `request` (its status by default) until `done(status)` holds, or until `giveUp(status)`;
 * returns the last status.
 */
async function pollClient<Status extends StatusReply | ResumeReport = StatusReply>(
  client: ClientProcess,
  done: (status: Status) => boolean,
  giveUp: (status: Status) => boolean,
  request: ClientRequest = { type: 'status' },
): Promise<Status> {
  for (;;) {
    const status = await client.ask<Status>(request);
    if (done(status) || giveUp(status)) return status;
    await sleep(100);
  }
}

interface ResumePhase {
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
async function runResumePhase(
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

/** Runs every cleanup once, in reverse order of registration, whatever fails; safe to call again. */
function makeCleanup() {
  const steps: (() => Promise<unknown>)[] = [];
  let running: Promise<void> | undefined;
  return {
    add(step: () => Promise<unknown>) {
      steps.push(step);
    },
    run() {
      running ??= (async () => {
        for (const step of steps.reverse()) {
          await step().catch((error: unknown) => console.error('cleanup step failed:', error));
        }
      })();
      return running;
    },
  };
}

/**
 * Set in this process's environment to a value of its own (see `main`), so that every process started for this
 * run carries it, whoever started it (the e2e process stack, this process) and whether or not it is ready yet.
 */
const runMarker = 'BENCH_SUBSCRIPTIONS_RUN';

/** The processes started for this run (see `runMarker`), save those in `except`. */
function processesOfThisRun(except: readonly number[]): number[] {
  const marker = `${runMarker}=${process.env[runMarker]}`;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      if (except.includes(pid)) return false;
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker);
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    });
}

/**
 * Stops every process of this run but those in `except`: SIGTERM, then SIGKILL for any still there after
 * `graceMs`. What it finds after an ordinary stop are subgraphs that were still booting when the stack's start
 * failed (the stack stops only those that were ready), which would otherwise create their databases after
 * they were dropped.
 */
async function stopProcessesOfThisRun(except: readonly number[], graceMs = 10_000): Promise<void> {
  /** Sends `signal` (0: none, only asks whether it is alive); false when the process is gone. */
  const signalled = (pid: number, signal: NodeJS.Signals | 0) => {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  };
  const pids = processesOfThisRun(except);
  for (const pid of pids) signalled(pid, 'SIGTERM');
  for (let waited = 0; waited < graceMs && pids.some((pid) => signalled(pid, 0)); waited += 100) await sleep(100);
  for (const pid of pids) if (signalled(pid, 0)) signalled(pid, 'SIGKILL');
}

/** What the benchmark tells its janitor, as it learns it. */
type JanitorMessage =
  | { type: 'databases'; serverUrl: string; prefix: string }
  | { type: 'redis'; url: string; keyPrefix: string }
  | { type: 'done' };

/**
 * Janitor mode (`--janitor`): a process started first, detached (a process group of its own), so neither Ctrl-C
 * nor the tsx launcher reaches it. The launcher SIGKILLs a child that does not acknowledge a signal within
 * 60 ms, which this benchmark's event loop, busy publishing, may miss; nor can anything survive `kill -9`.
 * When the benchmark's IPC channel closes before it said `done`, the janitor stops the run's processes (the
 * subgraphs, the gateways, the load client: see `runMarker`), drops its databases and deletes its Redis keys.
 */
async function runJanitor(): Promise<void> {
  let databases: Extract<JanitorMessage, { type: 'databases' }> | undefined;
  let redis: Extract<JanitorMessage, { type: 'redis' }> | undefined;
  let done = false;
  process.on('message', (message: JanitorMessage) => {
    if (message.type === 'databases') databases = message;
    else if (message.type === 'redis') redis = message;
    else done = true;
  });
  await new Promise((resolve) => process.once('disconnect', resolve));
  if (done) return;
  console.error('bench:subscriptions: the benchmark died before cleaning up; its janitor does');
  // Loaded before the run's processes are stopped: this process's own tsx compiler (esbuild) is one of them.
  const { dropDatabasesWithPrefix } = await import('@curbside/subgraph-kit');
  await import('@curbside/redis');
  // The load client exits by itself when its parent is gone, possibly meanwhile.
  await stopProcessesOfThisRun([process.pid]);
  if (databases) await dropDatabasesWithPrefix(databases.serverUrl, databases.prefix);
  if (redis) await deleteRedisKeys(redis.url, redis.keyPrefix);
}

/** Deletes every Redis key under `keyPrefix`: the process stack leaves its keys (queues, geo index, limits). */
async function deleteRedisKeys(url: string, keyPrefix: string): Promise<void> {
  const { createRedis, closeRedis } = await import('@curbside/redis');
  const client = createRedis({ url, keyPrefix: '', connectionName: 'bench-subscriptions-cleanup' });
  try {
    const keys = await client.keys(`${keyPrefix}*`);
    for (let start = 0; start < keys.length; start += 1_000) await client.del(...keys.slice(start, start + 1_000));
  } finally {
    await closeRedis(client);
  }
}

/** Starts the janitor (see `runJanitor`); `tell` is a no-op once it is gone. */
function startJanitor(): { pid: number; tell(message: JanitorMessage): void; release(): Promise<void> } {
  const janitor = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--janitor'], {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // Neither the janitor nor its channel keeps this process alive.
  janitor.unref();
  janitor.channel?.unref();
  const tell = (message: JanitorMessage) => {
    if (janitor.connected) janitor.send(message);
  };
  return {
    pid: janitor.pid!,
    tell,
    /** Tells the janitor its work is done (once the message is out: an exit right after must not lose it). */
    release: () =>
      new Promise<void>((resolve) => {
        if (!janitor.connected) return resolve();
        janitor.send({ type: 'done' } satisfies JanitorMessage, () => {
          if (janitor.connected) janitor.disconnect();
          resolve();
        });
      }),
  };
}

async function main(): Promise<boolean> {
  process.env['CURBSIDE_TEST_RUN'] ??= `bench${randomBytes(3).toString('hex')}`;
  process.env['APOLLO_TELEMETRY_DISABLED'] = '1';
  // Before any process is started, the janitor included: they all inherit it (see `runMarker`).
  process.env[runMarker] = `${process.pid}-${randomBytes(4).toString('hex')}`;
  // Every stack of the run keeps its keys under `curbside:t:<run>:<stack>:` (see @curbside/e2e's stacks).
  const runRedisKeyPrefix = `curbside:t:${process.env['CURBSIDE_TEST_RUN']}:`;
  // Imported once the run id is set: the stack names its databases and Redis keys after it.
  const {
    startProcessStack,
    stopProcess,
    registerUser,
    createVendorSeenByLocation,
    postgresUrl,
    redisUrl,
    testDatabasePrefix,
  } = await import('@curbside/e2e');
  const { dropDatabasesWithPrefix } = await import('@curbside/subgraph-kit');
  const janitor = startJanitor();
  janitor.tell({ type: 'databases', serverUrl: postgresUrl, prefix: testDatabasePrefix() });
  janitor.tell({ type: 'redis', url: redisUrl, keyPrefix: runRedisKeyPrefix });
  const cleanup = makeCleanup();
  // Ctrl-C reaches the children too (one process group); this process must still drop its databases. The
  // signal comes twice at once (from the terminal, and relayed by the tsx launcher): only one sent a second or
  // more after the first means "stop now", and the janitor then finishes the cleanup.
  let firstSignalAt: number | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (firstSignalAt === undefined) {
        firstSignalAt = performance.now();
        console.error(`${signal}: stopping the gateway, the load client and the subgraphs, dropping the databases`);
        void cleanup
          .run()
          .then(() => janitor.release())
          .finally(() => process.exit(130));
      } else if (performance.now() - firstSignalAt > 1_000) {
        console.error(`${signal} again: exiting, the janitor cleans up`);
        process.exit(130);
      }
    });
  }
  // Run last, once every process of the run is gone (`stopProcessesOfThisRun`), so none writes afterwards.
  cleanup.add(() => dropDatabasesWithPrefix(postgresUrl, testDatabasePrefix()));
  cleanup.add(() => deleteRedisKeys(redisUrl, runRedisKeyPrefix));
  cleanup.add(() => stopProcessesOfThisRun([process.pid, janitor.pid]));
  try {
    const descriptorLimit = openFileLimit();
    const descriptorsNeeded = subscriberCount + descriptorMargin;
    const descriptorWarning =
      descriptorLimit >= descriptorsNeeded
        ? null
        : `WARNING: a process may open ${descriptorLimit} files here (ulimit -Hn), but the gateway and the load ` +
          `client each need about ${descriptorsNeeded}: sockets past the limit fail (EMFILE). Raise the hard ` +
          'limit (limits.conf, systemd LimitNOFILE, docker --ulimit nofile) or lower BENCH_SUBSCRIBERS.';
    if (descriptorWarning) console.error(descriptorWarning);
    // Signed in, the gateway also holds a socket per user to the location subgraph, and its entity fetches take
    // up to one pooled connection per hydration in flight to each of the vendor and user subgraphs.
    const signedInDescriptorsNeeded = subscriberCount + signedInUsers + 2 * sharedHydrations + descriptorMargin;
    const signedInDescriptorWarning =
      signedInUsers === 0 || descriptorLimit >= signedInDescriptorsNeeded
        ? null
        : `WARNING: signed in as ${signedInUsers} users, the gateway may need up to ${signedInDescriptorsNeeded} ` +
          `files (a socket per subscriber, one per user to the location subgraph, and one HTTP connection per ` +
          `hydration in flight to each of the vendor and user subgraphs), over its limit of ${descriptorLimit}: ` +
          'its connections past the limit fail (EMFILE).';
    if (signedInDescriptorWarning) console.error(signedInDescriptorWarning);

    // One gateway comes with the stack (`gateways: 0` is not supported: the stack reports its first gateway's
    // URL). It carries the setup mutations, with the stack's unlimited budgets, and is stopped before measuring.
    const starting = startProcessStack({ gateways: 1 });
    // Registered before the boot is awaited: a signal during it stops the stack once it is up (a failed start
    // stops what was ready itself, and `stopProcessesOfThisRun` the rest).
    cleanup.add(() =>
      starting.then(
        (stack) => stack.stop(),
        () => undefined,
      ),
    );
    const stack = await starting;
    const subgraphPids = Object.values(stack.subgraphs).map((subgraph) => subgraph.child.pid!);
    const owner = await registerUser(stack.gatewayUrl, 'bench_subscriptions_owner');
    const vendors: BenchVendor[] = [];
    for (let start = 0; start < vendorCount; start += 10) {
      const batch = Array.from({ length: Math.min(10, vendorCount - start) }, (_, i) => `Bench truck ${start + i}`);
      const ids = await Promise.all(batch.map((name) => createVendorSeenByLocation(stack, name, owner.accessToken)));
      vendors.push(...ids.map((id, i) => ({ id, name: batch[i]! })));
    }
    for (const setupGateway of stack.gateways) await stopProcess(setupGateway);
    const vendorIds = vendors.map((vendor) => vendor.id);
    const locationUrl = stack.subgraphs.location.url;
    const locationPid = stack.subgraphs.location.child.pid!;
    const mintingStart = performance.now();
    const tokens =
      signedInUsers === 0 ? [] : await mintAccessTokens(stack.databases.user, signedInUsers, tokenLifetimeSeconds);
    const mintingMs = performance.now() - mintingStart;

    const gateway = await startGatewayProcess(stack);
    cleanup.add(() => gateway.stop());
    const idleRss = residentBytes(gateway.pid);

    const client = startClientProcess();
    cleanup.add(() => client.stop());
    const connected = await client.ask<ConnectReply>(
      {
        type: 'connect',
        url: gateway.wsUrl,
        upstreamUrl: locationUrl.replace(/^http/, 'ws'),
        subscribers: subscriberCount,
        vendors,
        ownerUsername: owner.username,
        tokens,
        connectConcurrency,
      },
      300_000,
    );
    if (connected.failed > 0) {
      throw new Error(
        `${connected.failed} of ${subscriberCount} sockets failed to subscribe; first errors:\n  ` +
          connected.errors.join('\n  '),
      );
    }

    // A subscriber counts as subscribed once an event reached it: only then does the gateway hold its
    // subscription and the shared upstream. Probe rounds repeat until every subscriber got one.
    const lastUpdatedAtMs = new Array<number>(vendorCount).fill(0);
    const readinessStart = performance.now();
    let probeRounds = 0;
    let lastRoundStart = 0;
    for (;;) {
      lastRoundStart = performance.now();
      const probe = await publish(locationUrl, owner.accessToken, vendorIds, lastUpdatedAtMs, 1, lastRoundStart);
      probeRounds++;
      if (probe.failures.length > 0) throw new Error(`probe updates failed: ${probe.failures.slice(0, 3).join('; ')}`);
      const status = await pollClient(
        client,
        (status) => status.receiving === subscriberCount || status.endedByServer > 0,
        () => performance.now() - lastRoundStart > roundPeriodMs * 3,
      );
      if (status.receiving === subscriberCount) break;
      if (status.endedByServer > 0 || performance.now() - readinessStart > readinessTimeoutMs) {
        throw new Error(
          `only ${status.receiving} of ${subscriberCount} subscribers received an event; ${status.endedByServer} ` +
            `subscription(s) or socket(s) ended by the gateway; first problems:\n  ${status.examples.join('\n  ')}`,
        );
      }
    }
    const readinessMs = performance.now() - readinessStart;
    const subscribedRss = residentBytes(gateway.pid);
    const gatewayDescriptors = openDescriptors(gateway.pid);
    // Before the measured rounds, so reading them costs nothing measured.
    const subscribedMetrics = await gatewayMetrics(gateway.url);
    const upstreamSockets = connectionsTo(gateway.pid, Number(new URL(locationUrl).port));

    // The measured rounds go on from the last probe round on the same schedule.
    await sleep(lastRoundStart + roundPeriodMs - performance.now());
    const windowStart = performance.now();
    await client.ask<StatusReply>({ type: 'measure' });
    // This process only publishes: its delays postpone sends and late-stamp the mutations' answers.
    const publisherLoopDelay = monitorEventLoopDelay({ resolution: 10 });
    publisherLoopDelay.enable();
    const subgraphsCpuSeconds = () => subgraphPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const cpuBefore = {
      gateway: cpuSeconds(gateway.pid),
      client: cpuSeconds(client.pid),
      subgraphs: subgraphsCpuSeconds(),
      location: cpuSeconds(locationPid),
      bench: cpuSeconds(process.pid),
      machine: machineBusySeconds(),
    };
    const publishing = await publish(
      locationUrl,
      owner.accessToken,
      vendorIds,
      lastUpdatedAtMs,
      publishRounds,
      windowStart,
    );
    const { accepted, rateLimitedRetries } = publishing;
    const publishFailures = publishing.failures;
    // The span the accepted updates were stamped over, plus one vendor's slot: what the rates are per.
    const stamps = accepted.map(([, updatedAt]) => Date.parse(updatedAt));
    const windowMs =
      stamps.length === 0
        ? publishing.elapsedMs
        : stamps.reduce((a, b) => Math.max(a, b)) -
          stamps.reduce((a, b) => Math.min(a, b)) +
          roundPeriodMs / vendorCount;

    await client.ask<StatusReply>({ type: 'expect', accepted });
    let lastProgress = { received: -1, atMs: performance.now() };
    await pollClient(
      client,
      (status) => status.received >= status.expected,
      (status) => {
        if (status.received !== lastProgress.received)
          lastProgress = { received: status.received, atMs: performance.now() };
        return performance.now() - lastProgress.atMs > drainQuietMs;
      },
    );
    const busyMs = performance.now() - windowStart;
    publisherLoopDelay.disable();
    const coreShare = (seconds: number) => (seconds / (busyMs / 1000)) * 100;
    const cpu = {
      gateway: coreShare(cpuSeconds(gateway.pid) - cpuBefore.gateway),
      client: coreShare(cpuSeconds(client.pid) - cpuBefore.client),
      subgraphs: coreShare(subgraphsCpuSeconds() - cpuBefore.subgraphs),
      location: coreShare(cpuSeconds(locationPid) - cpuBefore.location),
      bench: coreShare(cpuSeconds(process.pid) - cpuBefore.bench),
      machine: coreShare(machineBusySeconds() - cpuBefore.machine),
    };
    // Whatever else ran meanwhile (another test run, PostgreSQL, Redis) took CPU from the measured processes.
    const otherCpu = cpu.machine - cpu.gateway - cpu.client - cpu.subgraphs - cpu.bench;
    const publishedRss = residentBytes(gateway.pid);
    const publishedMetrics = await gatewayMetrics(gateway.url);
    const report = await client.ask<ClientReport>({ type: 'report' }, 60_000);
    const openSockets = (await client.ask<StatusReply>({ type: 'status' })).open;
    const resume = await runResumePhase(
      client,
      gateway.wsUrl,
      locationUrl,
      owner.accessToken,
      vendorIds,
      lastUpdatedAtMs,
    );
    const resumeReport = resume.report;
    const resumePublishFailures = [...resume.whileAway.failures, ...resume.live.failures];
    const resumeEndings = Object.entries(resumeReport.endedBy);
    const resumeEnded = resumeEndings.reduce((sum, [, count]) => sum + count, 0);
    const resumeFailures =
      resumeReport.lost +
      resumeReport.repeated +
      resumeReport.outOfOrder +
      resumeReport.malformed +
      resumeReport.unexpected +
      resumeEnded +
      resumeReport.withoutEventId +
      (resumeReport.stayedExpected - resumeReport.stayedReceived) +
      resumeReport.stayedFailures +
      resumePublishFailures.length;
    const catchUp = resumeReport.catchUpMs.length === 0 ? null : summarize(resumeReport.catchUpMs);
    const resubscribe = resumeReport.subscribeMs.length === 0 ? null : summarize(resumeReport.subscribeMs);

    const lost = report.expected - report.received;
    const failures = report.malformed + report.stale + report.endedByServer + publishFailures.length;
    /** A latency row over the publishing window; none when nothing was measured. */
    const row = (operation: string, concurrency: number, samplesMs: number[], failed = 0) =>
      samplesMs.length === 0
        ? []
        : [
            result(operation, concurrency, {
              latenciesMs: samplesMs,
              elapsedMs: windowMs,
              failures: failed,
              errors: [],
            }),
          ];
    const [delivery] = row('event -> every subscriber (delivery)', subscriberCount, report.latenciesMs);
    const results: OperationResult[] = [
      ...row('updateVendorLocation @ location subgraph', vendorCount, publishing.latenciesMs, publishFailures.length),
      ...row('  updatedAt -> mutation answered', vendorCount, publishing.writeAndPublishMs),
      ...row('event at the location subgraph socket', vendorCount, report.upstreamMs),
      ...row('event -> first subscriber of the event', vendorCount, report.firstDeliveryMs),
      ...row('  gateway: upstream event -> first subscriber', vendorCount, report.gatewayMs),
      ...row('fan-out: first -> last subscriber', vendorCount, report.fanOutMs),
      ...(delivery ? [delivery] : []),
    ];
    const deliveredPerSecond = (report.received / windowMs) * 1000;
    const offeredPerSecond = (report.expected / windowMs) * 1000;
    const rssPerThousand = ((subscribedRss - idleRss) / subscriberCount) * 1000;
    const targetMissed = [
      subscriberCount < 5_000 && 'fewer than 5,000 subscribers',
      deliveredPerSecond < 5_000 &&
        (lost === 0
          ? `under 5,000 deliveries/s (every one of the ${thousands(Math.round(offeredPerSecond))}/s offered arrived: ` +
            'the publisher fell short)'
          : 'under 5,000 deliveries/s'),
      (!delivery || delivery.p99Ms >= 200) && 'p99 not under 200 ms',
      lost > 0 && 'events lost',
    ].filter(Boolean);

    const date = new Date().toISOString();
    console.log(
      `Curbside subscriptions benchmark: Node ${process.version}, ${availableParallelism()} CPUs, ${date}\n` +
        'The gateway runs as a process of its own (NODE_ENV=production); the load client too, one graphql-ws socket\n' +
        'per subscriber, plus one socket straight to the location subgraph (one subscription per vendor) that\n' +
        'splits the latency at the gateway; each subgraph runs as a process of its own (the e2e process stack,\n' +
        'NODE_ENV=development); the publisher alone is this process. Latency: receive time in the client minus\n' +
        "the event's updatedAt (set by the location subgraph before its write).",
    );
    if (descriptorWarning) console.log(descriptorWarning);
    if (signedInDescriptorWarning) console.log(signedInDescriptorWarning);
    printTable(results);
    console.log();
    const perVendor = subscriberCount / vendorCount;
    const resumingPerVendor = resume.left.left / vendorCount;
    const metric = (samples: Map<string, number>, name: string) => {
      const value = samples.get(`curbside_gateway_${name}`);
      return value === undefined ? '?' : thousands(value);
    };
    printFacts([
      [
        'subscribers',
        `${thousands(subscriberCount)} (${Number.isInteger(perVendor) ? perVendor : perVendor.toFixed(1)} per vendor)`,
      ],
      [
        'credentials',
        (signedInUsers === 0
          ? 'anonymous, every subscriber'
          : `${thousands(signedInUsers)} distinct signed-in users, subscriber i as user i % ${signedInUsers} ` +
            `(random ids without accounts, tokens signed in ${mintingMs.toFixed(0)} ms)`) +
          (subscribedMetrics.size === 0
            ? "; the gateway's /metrics did not answer within 5 s; it held "
            : `; the gateway held ${metric(subscribedMetrics, 'subscriptions')} subscriptions on ` +
              `${metric(subscribedMetrics, 'websocket_connections')} sockets (/metrics), `) +
          `${thousands(upstreamSockets)} upstream socket(s) to the location subgraph (TCP), ` +
          `${thousands(sharedHydrations)} upstream subscriptions and hydrations by its sharing key (vendor, ` +
          'credentials: not reported by it); ' +
          (publishedMetrics.size === 0
            ? 'events dropped for slow subscribers unknown (/metrics did not answer after publishing)'
            : `${metric(publishedMetrics, 'subscription_events_dropped')} events dropped for slow subscribers`),
      ],
      [
        'vendors',
        `${vendorCount}, each moved every ${(roundPeriodMs / 1000).toFixed(2)} s on a fixed schedule, ` +
          `${publishRounds} rounds`,
      ],
      [
        'sockets',
        `${thousands(openSockets)} client sockets open at the end; gateway holds ${thousands(gatewayDescriptors)} ` +
          `file descriptors (limit ${Number.isFinite(descriptorLimit) ? thousands(descriptorLimit) : 'none'} ` +
          'per process)',
      ],
      [
        'subscribed',
        `sockets acknowledged in ${(connected.elapsedMs / 1000).toFixed(1)} s; every subscriber received a probe ` +
          `event after ${probeRounds} round(s), ${(readinessMs / 1000).toFixed(1)} s`,
      ],
      [
        'updates accepted',
        `${thousands(accepted.length)} of ${thousands(publishRounds * vendorCount)} ` +
          `(${rateLimitedRetries} retried after RATE_LIMITED, ${publishFailures.length} failed; ` +
          `${publishing.heldBack} held back past the schedule for the rate limit, ` +
          `by up to ${publishing.heldBackMaxMs.toFixed(0)} ms)`,
      ],
      [
        'delivered',
        `${thousands(report.received)} of ${thousands(report.expected)} expected: ` +
          `${thousands(Math.round(deliveredPerSecond))} hydrated deliveries/s ` +
          `(offered ${thousands(Math.round(offeredPerSecond))}/s)`,
      ],
      [
        'publish -> receive',
        delivery
          ? `p50 ${delivery.p50Ms.toFixed(0)} ms, p99 ${delivery.p99Ms.toFixed(0)} ms, max ${delivery.maxMs.toFixed(0)} ms`
          : 'no delivery',
      ],
      ['lost events', thousands(lost)],
      [
        'failures',
        `${failures} (malformed ${report.malformed}, repeated or out of order ${report.stale}, ended by the ` +
          `gateway ${report.endedByServer}, failed updates ${publishFailures.length})`,
      ],
      [
        'gateway RSS',
        `${mib(idleRss)} idle, ${mib(subscribedRss)} subscribed, ${mib(publishedRss)} after publishing: ` +
          `${mib(rssPerThousand)} per 1,000 subscribers`,
      ],
      [
        'CPU while publishing',
        `gateway ${percent(cpu.gateway)}, load client ${percent(cpu.client)}, subgraphs ` +
          `${percent(cpu.subgraphs)} (location ${percent(cpu.location)}), publisher ${percent(cpu.bench)}, ` +
          `everything else ${percent(otherCpu)} (PostgreSQL, Redis, other programs), ` +
          `of ${availableParallelism() * 100}% (100% = one core)`,
      ],
      [
        'publisher event loop',
        `delay p99 ${(publisherLoopDelay.percentile(99) / 1e6).toFixed(0)} ms, ` +
          `max ${(publisherLoopDelay.max / 1e6).toFixed(0)} ms (this process: it only publishes)`,
      ],
      [
        'load client event loop',
        `delay p99 ${report.eventLoopDelayP99Ms.toFixed(0)} ms, max ${report.eventLoopDelayMaxMs.toFixed(0)} ms ` +
          '(counted in the latencies above)',
      ],
      [
        'resume: left',
        `${thousands(resume.left.left)} subscribers ` +
          `(${Number.isInteger(resumingPerVendor) ? resumingPerVendor : resumingPerVendor.toFixed(1)} per vendor) ` +
          `closed their sockets after the measured rounds, keeping their last eventId ` +
          `(${resume.left.withoutEventId} had none)`,
      ],
      [
        'resume: while away',
        `${roundsAway} rounds on the same schedule: ${thousands(resume.whileAway.accepted.length)} of ` +
          `${thousands(roundsAway * vendorCount)} updates accepted (${resume.whileAway.rateLimitedRetries} retried ` +
          `after RATE_LIMITED, ${resume.whileAway.failures.length} failed; ${resume.whileAway.heldBack} held back ` +
          `past the schedule for the rate limit)`,
      ],
      [
        'resume: reconnected',
        'all at once, on new sockets with extensions.lastEventId; then 1 live round without waiting for them: ' +
          `${resume.live.accepted.length} of ${vendorCount} updates accepted (${resume.live.rateLimitedRetries} ` +
          `retried, ${resume.live.failures.length} failed, ${resume.live.heldBack} held back)`,
      ],
      [
        'resumed delivery',
        `${thousands(resumeReport.received)} of ${thousands(resumeReport.expected)} expected events (the missed ` +
          `ones, then the live one) arrived: lost ${resumeReport.lost}, repeated ${resumeReport.repeated}, out of ` +
          `order ${resumeReport.outOfOrder}, malformed ${resumeReport.malformed}, not published ` +
          `${resumeReport.unexpected}`,
      ],
      [
        'resumed streams ended',
        resumeEndings.length === 0
          ? 'none'
          : resumeEndings.map(([endedBy, count]) => `${endedBy} ${thousands(count)}`).join(', '),
      ],
      [
        'resume -> subscribed',
        resubscribe
          ? `p50 ${resubscribe.p50.toFixed(0)} ms, p99 ${resubscribe.p99.toFixed(0)} ms, max ` +
            `${resubscribe.max.toFixed(0)} ms (${thousands(resubscribe.count)} subscribers, from opening the new ` +
            'socket to connection_ack and the subscribe sent)'
          : 'none acknowledged',
      ],
      [
        'resume -> caught up',
        (catchUp
          ? `p50 ${catchUp.p50.toFixed(0)} ms, p99 ${catchUp.p99.toFixed(0)} ms, max ${catchUp.max.toFixed(0)} ms ` +
            `(${thousands(catchUp.count)} subscribers, from opening the new socket to the last missed event); `
          : 'none caught up; ') +
          (resumeReport.allCaughtUpMs === null
            ? 'not all caught up'
            : `all caught up ${resumeReport.allCaughtUpMs.toFixed(0)} ms after the first reconnection`),
      ],
      [
        'stayed connected',
        `${thousands(resumeReport.stayedReceived)} of ${thousands(resumeReport.stayedExpected)} deliveries of ` +
          `the resume phase's updates, ${resumeReport.stayedFailures} failures`,
      ],
    ]);
    const problems = [...report.examples, ...publishFailures.slice(0, 3)];
    if (problems.length > 0) console.error(`first problems:\n  ${problems.join('\n  ')}`);
    const resumeProblems = [...resumeReport.examples, ...resumePublishFailures.slice(0, 3)];
    if (resumeProblems.length > 0) console.error(`first resume problems:\n  ${resumeProblems.join('\n  ')}`);
    console.log(
      'Target on this 2-core machine: 5,000 subscribers, 5,000 hydrated deliveries/s, p99 < 200 ms, none lost.',
    );
    console.log(targetMissed.length === 0 ? 'Target met.' : `Target missed: ${targetMissed.join(', ')}.`);
    if (gatewayProfileDir) console.log(`Gateway CPU profile: written to ${gatewayProfileDir} when the gateway exits.`);
    console.log(
      `RESULT ${JSON.stringify({
        benchmark: 'subscriptions',
        node: process.version,
        date,
        subscriberCount,
        signedInUsers,
        vendorCount,
        publishRounds,
        roundPeriodMs,
        deliveredPerSecond,
        expected: report.expected,
        received: report.received,
        lost,
        failures,
        gatewayRssBytes: { idle: idleRss, subscribed: subscribedRss, published: publishedRss },
        results,
        resume: {
          subscribers: resume.left.left,
          withoutEventId: resume.left.withoutEventId,
          roundsAway,
          updatesWhileAway: resume.whileAway.accepted.length,
          liveUpdates: resume.live.accepted.length,
          publishFailures: resumePublishFailures.length,
          expected: resumeReport.expected,
          received: resumeReport.received,
          lost: resumeReport.lost,
          repeated: resumeReport.repeated,
          outOfOrder: resumeReport.outOfOrder,
          malformed: resumeReport.malformed,
          unexpected: resumeReport.unexpected,
          endedBy: resumeReport.endedBy,
          subscribeMs: resubscribe && {
            count: resubscribe.count,
            p50: resubscribe.p50,
            p99: resubscribe.p99,
            max: resubscribe.max,
          },
          catchUpMs: catchUp && { count: catchUp.count, p50: catchUp.p50, p99: catchUp.p99, max: catchUp.max },
          allCaughtUpMs: resumeReport.allCaughtUpMs,
          stayedExpected: resumeReport.stayedExpected,
          stayedReceived: resumeReport.stayedReceived,
          stayedFailures: resumeReport.stayedFailures,
          failures: resumeFailures,
        },
      })}`,
    );
    return lost === 0 && failures === 0 && resumeFailures === 0;
  } finally {
    await cleanup.run();
    await janitor.release();
  }
}

if (process.argv[2] === '--janitor') await runJanitor();
else if (!(await main())) process.exitCode = 1;
