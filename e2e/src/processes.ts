/** Real service processes for tests: the entry files started as they are in production, on OS-chosen ports. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoFile = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

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
  const child = spawn(process.execPath, ['--import', 'tsx', repoFile(entry)], {
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
  const url = await new Promise<string>((resolve, reject) => {
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
