/** Real service processes for tests: the entry files started as they are in production, on OS-chosen ports. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoFile = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/**
 * Set (to '1') by the test profiles whose global setup has just run `pnpm build` (see global-setup.ts): entry
 * files then start from their compiled JavaScript, as production runs them, in about half the time tsx takes to
 * compile them on every start. Anything else (benchmarks, a one-off script) starts them through tsx, so a stale
 * `dist/` can never stand in for the sources.
 */
export const spawnBuiltVariable = 'CURBSIDE_SPAWN_BUILT';

/** The node arguments that run `entry` (a `.ts` file under some `src/`, from the repository root). */
export function entryArguments(entry: string): string[] {
  if (process.env[spawnBuiltVariable] === '1' && /^[a-z-]+(\/[a-z-]+)?\/src\/main\.ts$/.test(entry)) {
    return [repoFile(entry.replace('/src/', '/dist/').replace(/\.ts$/, '.js'))];
  }
  return ['--import', 'tsx', repoFile(entry)];
}

export interface ServiceProcess {
  child: ChildProcess;
  /** The URL from the service's "ready" log line. */
  url: string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
  /** Log lines so far (stdout and stderr), for a failing test to show. */
  output: string[];
}

/** Starts an entry file as a real process; resolves once it logged that it is ready, with the URL it logged. */
export async function startProcess(
  entry: string,
  env: Record<string, string>,
  /** A service without a URL (the workers) says it is ready with a log line matching this. */
  readyLine?: RegExp,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, entryArguments(entry), {
    env: {
      ...process.env,
      // As in development: vitest's NODE_ENV=test would hide behaviour that depends on it (Apollo's signal handling).
      NODE_ENV: 'development',
      APOLLO_TELEMETRY_DISABLED: '1',
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${entry} was not ready within 30 s:\n${output.join('\n')}`)),
      30_000,
    );
    void exited.then((code) => reject(new Error(`${entry} exited early with ${code}:\n${output.join('\n')}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      if (readyLine?.test(line)) {
        clearTimeout(timer);
        resolve('');
        return;
      }
      const match = /ready/.test(line) ? /"url":"([^"]+)"/.exec(line) : null;
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  // A process that was not ready in time is not left running behind the failed start.
  const url = await ready.catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return { child, url, exited, output };
}

/** Sends `signal` and waits for the exit; kill -9 if it has not exited within `graceMs`. */
export async function stopProcess(service: ServiceProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return service.exited;
  service.child.kill(signal);
  const timer = setTimeout(() => service.child.kill('SIGKILL'), graceMs);
  try {
    return await service.exited;
  } finally {
    clearTimeout(timer);
  }
}
