/** Child processes of the benchmarks: Node entry files run with tsx, their ready lines, their JSON output, their end. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ConcurrentRun } from './stats.ts';

/** Starts `script` (a path or file URL) with this Node and tsx, `nodeArgs` (none) before it and `args` after it. */
export function spawnTsx(
  script: string | URL,
  args: readonly string[],
  options: SpawnOptions,
  nodeArgs: readonly string[] = [],
): ChildProcess {
  const path = typeof script === 'string' ? script : fileURLToPath(script);
  return spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, path, ...args], options);
}

/** Sends SIGTERM and waits for the exit; SIGKILL when the process has not exited after `graceMs` (10 s). */
export function terminate(child: ChildProcess, graceMs = 10_000): Promise<void> {
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

/**
 * Reads a service's JSON log lines on its stdout until the one holding `readyText` and a `"url"`, and resolves
 * with that URL; rejects when the process exits first or after `timeoutMs`, with `timeoutMessage`. Every other
 * line goes to `onLine`. The stdout is read to its end, not only until ready: a full pipe would block the
 * service's log writes.
 */
export function readyUrl(
  child: ChildProcess,
  options: {
    readyText: string;
    name: string;
    timeoutMessage: string;
    timeoutMs?: number;
    onLine?: (line: string) => void;
  },
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(options.timeoutMessage)), options.timeoutMs ?? 60_000);
    child.once('exit', (code) => reject(new Error(`the ${options.name} process exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const url = /"url":"([^"]+)"/.exec(line)?.[1];
      if (line.includes(options.readyText) && url) {
        clearTimeout(timer);
        resolve(url);
      } else options.onLine?.(line);
    });
  });
}

/**
 * Runs a load client (`script` with `args`, `stdin` written to its stdin when given) to its end and returns the
 * run it prints as JSON on its stdout; throws when it exits other than with 0.
 */
export async function runLoadClient(script: URL, args: readonly string[], stdin?: string): Promise<ConcurrentRun> {
  const child = spawnTsx(script, args, { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (stdin !== undefined) child.stdin!.end(stdin);
  if ((await code) !== 0) throw new Error(`the load client exited with ${await code}`);
  return JSON.parse(output) as ConcurrentRun;
}

/** What a load client prints at its end: its run, the errors as strings (at most 400 characters each). */
export function printRun(run: ConcurrentRun): void {
  process.stdout.write(JSON.stringify({ ...run, errors: run.errors.map((error) => String(error).slice(0, 400)) }));
}
