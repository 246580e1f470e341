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
 * With BENCH_RELOAD_AT_SECONDS=<s>, the gateway runs on a copy of the supergraph that is rewritten with a
 * compatible change (a field added on Query) s seconds into the measured rounds: the gateway reloads it under
 * load, and every subscriber must go on receiving, none of the measured events lost or repeated (the report's
 * "supergraph reload" line: what the gateway carried over and ended, and the rounds' lost and repeated counts).
 *
 * Knobs: BENCH_SUBSCRIBERS (5,200), BENCH_VENDORS (52), BENCH_SECONDS (20 rounds), BENCH_RESUMING (1,000);
 * BENCH_SIGNED_IN_USERS (0: anonymous; see `signedInUsers`); BENCH_RELOAD_AT_SECONDS (none: no reload);
 * BENCH_GATEWAY_CPU_PROFILE=<dir> runs the gateway with `--cpu-prof` into that folder. Exits 1 when an event was
 * lost or malformed, a resumed subscriber lost, repeated or reordered one, or a reload asked for was not applied
 * or ended a subscription.
 * The processes are stopped, and the databases and Redis keys dropped, on every ending; when this process is
 * killed outright, by its janitor process (see `runJanitor`).
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { connectionsTo, openDescriptors, openFileLimit, residentBytes } from './common/proc.ts';
import { makeCleanup, prepareBenchRun } from './common/run.ts';
import { mintAccessTokens } from './subscriptions/access-tokens.ts';
import { startClientProcess } from './subscriptions/client-process.ts';
import {
  connectConcurrency,
  descriptorWarnings,
  reloadAtSeconds,
  roundPeriodMs,
  signedInUsers,
  subscriberCount,
  tokenLifetimeSeconds,
  vendorCount,
} from './subscriptions/config.ts';
import { gatewayMetrics, startGatewayProcess } from './subscriptions/gateway-process.ts';
import {
  deleteRedisKeys,
  runJanitor,
  runMarker,
  startJanitor,
  stopOnSignals,
  stopProcessesOfThisRun,
} from './subscriptions/janitor.ts';
import type { BenchVendor, ClientReport, ConnectReply, StatusReply } from './subscriptions/protocol.ts';
import { printReport } from './subscriptions/report.ts';
import { runResumePhase } from './subscriptions/resume-phase.ts';
import { reloadAt, supergraphCopy } from './subscriptions/reload.ts';
import { measureRounds, waitUntilEverySubscriberHears, type PublishTarget } from './subscriptions/rounds.ts';

async function main(): Promise<boolean> {
  prepareBenchRun();
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
  const janitor = startJanitor(fileURLToPath(import.meta.url));
  janitor.tell({ type: 'databases', serverUrl: postgresUrl, prefix: testDatabasePrefix() });
  janitor.tell({ type: 'redis', url: redisUrl, keyPrefix: runRedisKeyPrefix });
  const cleanup = makeCleanup();
  stopOnSignals(cleanup, janitor);
  // Run last, once every process of the run is gone (`stopProcessesOfThisRun`), so none writes afterwards.
  cleanup.add(() => dropDatabasesWithPrefix(postgresUrl, testDatabasePrefix()));
  cleanup.add(() => deleteRedisKeys(redisUrl, runRedisKeyPrefix));
  cleanup.add(() => stopProcessesOfThisRun([process.pid, janitor.pid]));
  try {
    const descriptorLimit = openFileLimit();
    const { descriptorWarning, signedInDescriptorWarning } = descriptorWarnings(descriptorLimit);
    if (descriptorWarning) console.error(descriptorWarning);
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
    const owner = await registerUser(stack.gatewayUrl, 'bench_subscriptions_owner');
    const vendors: BenchVendor[] = [];
    for (let start = 0; start < vendorCount; start += 10) {
      const batch = Array.from({ length: Math.min(10, vendorCount - start) }, (_, i) => `Bench truck ${start + i}`);
      const ids = await Promise.all(batch.map((name) => createVendorSeenByLocation(stack, name, owner.accessToken)));
      vendors.push(...ids.map((id, i) => ({ id, name: batch[i]! })));
    }
    for (const setupGateway of stack.gateways) await stopProcess(setupGateway);
    const mintingStart = performance.now();
    const tokens =
      signedInUsers === 0 ? [] : await mintAccessTokens(stack.databases.user, signedInUsers, tokenLifetimeSeconds);
    const mintingMs = performance.now() - mintingStart;

    const supergraph = reloadAtSeconds === null ? null : supergraphCopy();
    if (supergraph) cleanup.add(async () => supergraph.remove());
    const gateway = await startGatewayProcess(stack, supergraph?.path);
    cleanup.add(() => gateway.stop());
    // Memory per subscriber is read after a full collection, idle here and once the rounds are published (a
    // collection before the rounds would shrink the heap the rounds then grow again: more collecting, measured).
    await gateway.collectGarbage();
    const idleRss = residentBytes(gateway.pid);

    const client = startClientProcess();
    cleanup.add(() => client.stop());
    const locationUrl = stack.subgraphs.location.url;
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

    const target: PublishTarget = {
      locationUrl,
      token: owner.accessToken,
      vendorIds: vendors.map((vendor) => vendor.id),
      lastUpdatedAtMs: new Array<number>(vendorCount).fill(0),
    };
    const readiness = await waitUntilEverySubscriberHears(client, target);
    const subscribed = {
      rss: residentBytes(gateway.pid),
      descriptors: openDescriptors(gateway.pid),
      // Before the measured rounds, so reading them costs nothing measured.
      metrics: await gatewayMetrics(gateway.url),
      upstreamSockets: connectionsTo(gateway.pid, Number(new URL(locationUrl).port)),
    };

    // The measured rounds start one period after the last probe round (see `measureRounds`).
    const reloading =
      supergraph && reloadAtSeconds !== null
        ? reloadAt(
            supergraph.path,
            readiness.lastRoundStart + roundPeriodMs + reloadAtSeconds * 1000,
            reloadAtSeconds,
            gateway.reloads,
          )
        : null;
    const measured = await measureRounds(
      client,
      target,
      {
        gateway: gateway.pid,
        client: client.pid,
        subgraphs: Object.values(stack.subgraphs).map((subgraph) => subgraph.child.pid!),
        location: stack.subgraphs.location.child.pid!,
      },
      readiness.lastRoundStart,
    );
    const reload = reloading ? await reloading : null;
    const publishedMetrics = await gatewayMetrics(gateway.url);
    await gateway.collectGarbage();
    const published = { rss: residentBytes(gateway.pid), metrics: publishedMetrics };
    const report = await client.ask<ClientReport>({ type: 'report' }, 60_000);
    const openSockets = (await client.ask<StatusReply>({ type: 'status' })).open;
    const resume = await runResumePhase(
      client,
      gateway.wsUrl,
      locationUrl,
      target.token,
      target.vendorIds,
      target.lastUpdatedAtMs,
    );

    return printReport({
      descriptorLimit,
      descriptorWarning,
      signedInDescriptorWarning,
      mintingMs,
      connected,
      readiness,
      subscribed,
      idleRss,
      measured,
      published,
      report,
      openSockets,
      resume,
      reload,
    });
  } finally {
    await cleanup.run();
    await janitor.release();
  }
}

if (process.argv[2] === '--janitor') await runJanitor();
else if (!(await main())) process.exitCode = 1;
