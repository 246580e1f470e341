/**
 * What `bench:subscriptions` leaves behind, cleaned up on every ending: the run's processes (found by `runMarker`),
 * its databases and its Redis keys; by the benchmark itself, or by its janitor process when it is killed outright.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { sleep } from '../common/run.ts';
import { spawnTsx } from '../common/processes.ts';

/**
 * Set in this process's environment to a value of its own (see `main`), so that every process started for this
 * run carries it, whoever started it (the e2e process stack, this process) and whether or not it is ready yet.
 */
export const runMarker = 'BENCH_SUBSCRIPTIONS_RUN';

/** The processes started for this run (see `runMarker`), save those in `except`. */
export function processesOfThisRun(except: readonly number[]): number[] {
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
export async function stopProcessesOfThisRun(except: readonly number[], graceMs = 10_000): Promise<void> {
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
export type JanitorMessage =
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
export async function runJanitor(): Promise<void> {
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
export async function deleteRedisKeys(url: string, keyPrefix: string): Promise<void> {
  const { createRedis, closeRedis } = await import('@curbside/redis');
  const client = createRedis({ url, keyPrefix: '', connectionName: 'bench-subscriptions-cleanup' });
  try {
    const keys = await client.keys(`${keyPrefix}*`);
    for (let start = 0; start < keys.length; start += 1_000) await client.del(...keys.slice(start, start + 1_000));
  } finally {
    await closeRedis(client);
  }
}

/** The janitor as the benchmark sees it (see `startJanitor`). */
export interface Janitor {
  pid: number;
  tell(message: JanitorMessage): void;
  release(): Promise<void>;
}

/**
 * Starts the janitor (see `runJanitor`): `entry`, the benchmark's entry file, run with `--janitor`; `tell` is a
 * no-op once it is gone.
 */
export function startJanitor(entry: string): Janitor {
  const janitor = spawnTsx(entry, ['--janitor'], {
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

/**
 * Ctrl-C reaches the children too (one process group); this process must still drop its databases. The signal
 * comes twice at once (from the terminal, and relayed by the tsx launcher): only one sent a second or more after
 * the first means "stop now", and the janitor then finishes the cleanup.
 */
export function stopOnSignals(cleanup: { run(): Promise<void> }, janitor: Janitor): void {
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
}
