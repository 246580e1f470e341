/**
 * One fuzzing campaign against a running stack: seeded batches of inputs of every kind sent a few at a time,
 * each response checked by the oracle, findings deduplicated; then the stack's health and the gateway
 * process's memory are checked against their state before the campaign.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { forceGc, mb, settledHeap, type MemoryFigures } from './memory.ts';
import { buildSchema, getOperationAST } from 'graphql';
import { registerAdmin } from '../actors.ts';
import { dataOf, graphql, registerUser } from '../client.ts';
import { createPost } from '../social.ts';
import type { TestStack } from '../stack.ts';
import type { FuzzInput, FuzzKind, HttpInput } from './inputs.ts';
import { anyInput } from './ws-inputs.ts';
import { knownFindings, sentOperation, type KnownFinding } from './known-findings.ts';
import { checkHttpResponse, checkWsOutcome, type Problem } from './oracle.ts';
import { runWsSession, sendRaw, serializeHttp, type Tokens } from './transport.ts';

export interface FuzzOptions {
  /** Seed of the whole campaign: the same seed sends the same inputs in the same order. */
  seed: number;
  /** Stop after this many inputs. */
  maxInputs: number;
  /** Stop after this long (the inputs in flight finish). */
  maxMs: number;
  /** Inputs in flight at once. Default 4. */
  concurrency?: number;
  /** How long one HTTP request may take before it counts as unanswered. Default 10 seconds. */
  requestTimeoutMs?: number;
  /** How much the heap may stay above its baseline after the campaign. Default 30 MB. */
  memoryToleranceBytes?: number;
  /** Progress lines; default none. */
  log?: (line: string) => void;
  /** Bugs already reported: their findings are `known`, not `fail`. Default: known-findings.ts. */
  known?: KnownFinding[];
  /** Send only this input (a finding's `replay`) and log what came back. Default: the whole campaign. */
  replay?: { seed: number; index: number };
}

/** One deduplicated finding: the first input that produced it, and how often it came back. */
export interface Finding extends Problem {
  kind: FuzzKind | 'after';
  /** The input as sent (tokens as placeholders), shortened for printing. */
  input: string;
  /** Batch and position: `fc.sample(anyInput, { seed: seed + batch })[index]` is the input. */
  replay: { seed: number; batch: number; index: number } | null;
  count: number;
  /** The id of the known bug it is (severity `known`). */
  known?: string;
}

export interface FuzzReport {
  seed: number;
  durationMs: number;
  tried: Record<FuzzKind, number> & { wsFrames: number };
  findings: Finding[];
  memory: MemoryFigures;
}

/**
 * What the in-process stack's bounded caches may hold once full: the gateway's parsed documents (8 MiB), query
 * plans (8 MiB), APQ documents (8 Mi characters) and graphql-ws documents (1 Mi characters), and each of the six
 * subgraphs' parsed documents (4 MiB).
 */
const cacheBoundsBytes = (8 + 8 + 8 + 1 + 6 * 4) * 1024 * 1024;

/** Inputs sampled at once from one seed. */
const batchSize = 50;

/** The API schema clients see (what documents are generated from). */
export function apiSchema() {
  return buildSchema(readFileSync(new URL('../../../schema/schema.graphql', import.meta.url), 'utf8'));
}

/** An input shortened for a report: non-printable characters escaped, at most `max` characters. */
export function printable(input: FuzzInput, host: string, max = 1_500): string {
  let text: string;
  if (input.kind === 'ws') {
    const frames = input.ws.frames.map((frame) =>
      typeof frame === 'string' ? frame : `<binary ${Buffer.from(frame).toString('hex').slice(0, 200)}>`,
    );
    text = `ws protocol=${JSON.stringify(input.ws.protocol)}\n${frames.join('\n')}`;
  } else {
    text = serializeHttp(input.http, host, { user: '{{USER_TOKEN}}', admin: '{{ADMIN_TOKEN}}' }).toString('latin1');
  }
  const escaped = JSON.stringify(text).slice(1, -1);
  return escaped.length > max ? `${escaped.slice(0, max)}… (${text.length} characters)` : escaped;
}

const normalize = (detail: string) =>
  detail
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, 'UUID')
    .replace(/\d+/g, 'N')
    .slice(0, 160);

/**
 * What kind of operation an HTTP input sent (`subscription notificationReceived`), so that masked failures,
 * which all read "Internal server error.", stay apart when they come from different places.
 */
function signature(input: FuzzInput): string {
  const sent = sentOperation(input);
  const operation = sent && getOperationAST(sent.document, sent.operationName);
  if (!operation) return '';
  const roots = operation.selectionSet.selections.map((selection) =>
    selection.kind === 'Field' ? selection.name.value : selection.kind,
  );
  return `${operation.operation} ${roots.join(',')}`;
}

function methodsOf(http: HttpInput): string[] {
  return http.pipelined ? [http.method, http.pipelined.method] : [http.method];
}

/** Sets up accounts and a post (ids for the generators), then runs the campaign described by `options`. */
export async function runFuzz(stack: TestStack, options: FuzzOptions): Promise<FuzzReport> {
  const { seed, concurrency = 4, requestTimeoutMs = 10_000, memoryToleranceBytes = 30 * 1024 * 1024 } = options;
  const log = options.log ?? (() => undefined);
  const gatewayUrl = new URL(stack.gatewayUrl);
  // Loopback only: a fuzzer pointed elsewhere by mistake must not start.
  if (gatewayUrl.hostname !== '127.0.0.1')
    throw new Error(`fuzzing only targets 127.0.0.1, not ${gatewayUrl.hostname}`);
  const port = Number(gatewayUrl.port);
  const host = gatewayUrl.host;
  const wsUrl = stack.gatewayUrl.replace(/^http/, 'ws');

  const user = await registerUser(stack.gatewayUrl, `fuzzuser${seed % 100_000}`);
  const admin = await registerAdmin(stack, `fuzzadmin${seed % 100_000}`);
  const postId = await createPost(stack, user.accessToken, 'a post for the fuzzer to find');
  const tokens: Tokens = { user: user.accessToken, admin: admin.accessToken };
  const known = { ids: [user.id, admin.id, postId] };
  const schema = apiSchema();
  const arbitrary = anyInput(schema, known);
  const knownGood = async () => {
    const response = await graphql(stack.gatewayUrl, 'query ($id: ID!) { user(id: $id) { id } }', { id: user.id });
    return (dataOf(response) as { user: { id: string } | null }).user?.id === user.id;
  };

  const findings = new Map<string, Finding>();
  const knownBugs = options.known ?? knownFindings;
  const record = (found: Problem, kind: Finding['kind'], input: string, replay: Finding['replay'], raw?: FuzzInput) => {
    const bug = raw ? knownBugs.find((entry) => entry.matches(found, raw)) : undefined;
    const problem: Problem = bug ? { ...found, severity: 'known' } : found;
    const key = bug
      ? `known|${bug.id}|${problem.category}`
      : `${problem.category}|${kind}|${normalize(problem.detail)}|${raw ? signature(raw) : ''}`;
    const seen = findings.get(key);
    if (seen) seen.count++;
    else {
      findings.set(key, { ...problem, kind, input, replay, count: 1, ...(bug ? { known: bug.id } : {}) });
      log(`finding: ${problem.category} (${kind}) ${problem.detail.slice(0, 200)}`);
    }
  };
  // An exception nobody caught is a crash in waiting: record it (and let the campaign go on to report it).
  const onCrash = (error: unknown) =>
    record(
      {
        category: 'crash',
        severity: 'fail',
        detail: `uncaught: ${error instanceof Error ? error.stack : String(error)}`,
      },
      'after',
      '',
      null,
    );
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  const gc = forceGc();
  await knownGood();
  const start = await settledHeap(gc);
  // The baseline is taken after the first batch, a warm-up: the first request down each path loads code and
  // creates lazily built parts (the queue dashboard, the subscription upstream sockets) that are not a leak.
  let before = start;
  let halfway: Awaited<ReturnType<typeof settledHeap>> | null = null;
  const metricsBytes = () =>
    fetch(new URL('/metrics', stack.gatewayUrl)).then(
      async (response) => (await response.arrayBuffer()).byteLength,
      () => 0,
    );
  let metricsBytesBefore = 0;

  const tried = { document: 0, mutated: 0, raw: 0, ws: 0, wsFrames: 0 };
  const started = Date.now();
  const deadline = started + options.maxMs;

  async function runOne(input: FuzzInput, replay: NonNullable<Finding['replay']>): Promise<void> {
    tried[input.kind]++;
    let problems: Problem[];
    if (input.kind === 'ws') {
      const sent = input.ws.frames
        .map((frame) => (typeof frame === 'string' ? frame : Buffer.from(frame).toString('latin1')))
        .join('\n');
      const outcome = await runWsSession(wsUrl, input.ws, tokens);
      tried.wsFrames += outcome.framesSent;
      problems = checkWsOutcome(outcome, sent);
      if (options.replay) log(`ws outcome: ${JSON.stringify(outcome).slice(0, 4_000)}`);
    } else {
      const bytes = serializeHttp(input.http, host, tokens);
      const sent = bytes.toString('utf8');
      const framing = input.http.framing;
      const outcome = await sendRaw(port, bytes, {
        methods: methodsOf(input.http),
        halfClose: framing === 'long',
        timeoutMs: requestTimeoutMs,
      });
      const route = `${input.http.method} ${input.http.target.split('?')[0]!.slice(0, 60)}`;
      if (options.replay) {
        log(`sent: ${printable(input, host, 4_000)}`);
        for (const response of outcome.responses) {
          log(
            `HTTP ${response.status} ${JSON.stringify(response.headers)}\n${response.body.toString('utf8').slice(0, 4_000)}`,
          );
        }
        log(`read ended: ${outcome.ended}${outcome.error ? ` (${outcome.error})` : ''}`);
      }
      problems = outcome.responses.flatMap((response) =>
        /javascript|css|font|image/.test(response.headers['content-type'] ?? '')
          ? []
          : checkHttpResponse(response, sent, route),
      );
      // Only a well-framed request owes an answer; a broken one may be dropped. So may CONNECT: Node closes its
      // socket when no 'connect' listener is installed, which is the right answer for a server that proxies none.
      const wellFramed =
        (framing === 'length' || framing === 'chunked' || (framing === 'none' && !input.http.pipelined)) &&
        input.http.method !== 'CONNECT';
      if (wellFramed && outcome.responses.length === 0 && !(input.http.target.length > 16_000)) {
        problems.push({
          category: 'no-response',
          severity: 'fail',
          detail: `${route}: ${outcome.ended}${outcome.error ? ` (${outcome.error})` : ''}`,
        });
      }
    }
    for (const problem of problems) record(problem, input.kind, printable(input, host), replay, input);
  }

  let batch = 0;
  let count = 0;
  if (options.replay) {
    const { seed: batchSeed, index } = options.replay;
    const input = fc.sample(arbitrary, { seed: batchSeed, numRuns: index + 1 })[index]!;
    await runOne(input, { seed: batchSeed, batch: -1, index });
    count = options.maxInputs; // nothing else
  }
  while (count < options.maxInputs && Date.now() < deadline) {
    const inputs = fc.sample(arbitrary, { seed: seed + batch, numRuns: batchSize });
    let next = 0;
    const worker = async () => {
      while (next < inputs.length && count < options.maxInputs && Date.now() < deadline) {
        const index = next++;
        count++;
        await runOne(inputs[index]!, { seed: seed + batch, batch, index });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    if (batch === 0) {
      before = await settledHeap(gc);
      metricsBytesBefore = await metricsBytes();
    }
    // Halfway, once the bounded caches (documents, plans, APQ) have long been full: from here on the heap must
    // stay level.
    if (!halfway && (count * 2 >= options.maxInputs || Date.now() * 2 >= started + deadline)) {
      halfway = await settledHeap(gc);
    }
    batch++;
    if (batch % 10 === 0)
      log(
        `${count} inputs, ${findings.size} findings, ${Math.round((Date.now() - started) / 1000)} s, heapUsed ${mb(process.memoryUsage().heapUsed)}`,
      );
  }
  const durationMs = Date.now() - started;

  // After: every service still answers, a known-good query still works, and the heap is back near its start.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const healthUrls = [stack.gatewayUrl, ...Object.values(stack.subgraphUrls)].map((url) =>
    new URL('/health', url).toString(),
  );
  for (const url of healthUrls) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(5_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (!ok)
      record(
        { category: 'crash', severity: 'fail', detail: `${url} does not answer 200 after the campaign` },
        'after',
        '',
        null,
      );
  }
  const good = await knownGood().catch(() => false);
  if (!good)
    record(
      { category: 'crash', severity: 'fail', detail: 'the known-good query fails after the campaign' },
      'after',
      '',
      null,
    );
  // Every session and stream the campaign opened is closed: the gateway must have let go of all of them.
  let held = stack.gateway.subscriptionStats();
  for (let waited = 0; (held.subscriptions > 0 || held.connections > 0) && waited < 5_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    held = stack.gateway.subscriptionStats();
  }
  if (held.subscriptions > 0 || held.connections > 0 || held.hydrations > 0) {
    record(
      {
        category: 'resources',
        severity: 'fail',
        detail: `5 s after every client left, the gateway still holds ${held.subscriptions} subscriptions, ${held.hydrations} hydrations, ${held.connections} sockets`,
      },
      'after',
      '',
      null,
    );
  }
  const metricsBytesAfter = await metricsBytes();
  const after = await settledHeap(gc, 15_000);
  // A leak grows with the inputs; the caches stop at their bounds. So the heap must stay level over the second
  // half (fail), and the whole run is told against the caches' nominal bounds (a note: their LRUs weigh a
  // parsed document by its JSON text, and the objects take a few times that).
  const level = halfway ?? before;
  if (after.heap - level.heap > memoryToleranceBytes) {
    record(
      {
        category: 'memory',
        severity: 'fail',
        detail: `heapUsed ${mb(level.heap)} halfway → ${mb(after.heap)} (tolerance +${mb(memoryToleranceBytes)} over the second half)`,
      },
      'after',
      '',
      null,
    );
  } else if (after.heap - before.heap > cacheBoundsBytes + memoryToleranceBytes) {
    record(
      {
        category: 'memory',
        severity: 'note',
        detail: `heapUsed ${mb(before.heap)} → ${mb(after.heap)} over the run, level over its second half: the bounded caches, fuller than their nominal ${mb(cacheBoundsBytes)}`,
      },
      'after',
      '',
      null,
    );
  }
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  return {
    seed,
    durationMs,
    tried,
    findings: [...findings.values()],
    memory: {
      heapStart: start.heap,
      metricsBytesBefore,
      metricsBytesAfter,
      gatewayHeld: { ...held },
      heapBefore: before.heap,
      heapHalfway: (halfway ?? before).heap,
      heapAfter: after.heap,
      rssBefore: before.rss,
      rssAfter: after.rss,
    },
  };
}

/** The report as lines of text: inputs per kind, memory, then each finding with its input. */
export function formatReport(report: FuzzReport): string {
  const { tried, memory } = report;
  const total = tried.document + tried.mutated + tried.raw + tried.ws;
  const lines = [
    `seed ${report.seed}: ${total} inputs in ${(report.durationMs / 1000).toFixed(1)} s`,
    `  http documents ${tried.document}, mutated documents ${tried.mutated}, raw HTTP ${tried.raw}, ws sessions ${tried.ws} (${tried.wsFrames} frames)`,
    `  heapUsed after GC: ${mb(memory.heapStart)} at start, ${mb(memory.heapBefore)} after the first ${batchSize} inputs (baseline), ${mb(memory.heapHalfway)} halfway, ${mb(memory.heapAfter)} after (${memory.heapAfter >= memory.heapBefore ? '+' : ''}${mb(memory.heapAfter - memory.heapBefore)}); rss ${mb(memory.rssBefore)} → ${mb(memory.rssAfter)}; /metrics ${mb(memory.metricsBytesBefore)} → ${mb(memory.metricsBytesAfter)}`,
    `  findings: ${(['fail', 'known', 'note'] as const).map((severity) => `${report.findings.filter((f) => f.severity === severity).length} ${severity}`).join(', ')}`,
  ];
  const order = { fail: 0, known: 1, note: 2 };
  for (const finding of [...report.findings].sort((a, b) => order[a.severity] - order[b.severity])) {
    lines.push('');
    const label = finding.known ? `known: ${finding.known}` : finding.severity;
    lines.push(`[${label}] ${finding.category} (${finding.kind}, seen ${finding.count}×): ${finding.detail}`);
    if (finding.replay) lines.push(`  replay: pnpm fuzz --replay ${finding.replay.seed}:${finding.replay.index}`);
    if (finding.input) lines.push(`  input: ${finding.input}`);
  }
  return lines.join('\n');
}
