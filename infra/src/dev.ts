/**
 * `pnpm dev`: checks PostgreSQL and Redis, starts every subgraph (each creates and migrates its own
 * database), waits until they are ready, starts the gateway, waits for it, and prints the Sandbox URL.
 * Logs are prefixed by service. Ctrl-C stops everything; if one service dies, all are stopped.
 */
// First: a developer's .env applies before any module reads the environment (see load-dotenv.ts).
import './load-dotenv.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fromRoot } from './paths.ts';
import { backingServiceProblems, howToStart } from './local-services.ts';
import { gatewayService, subgraphServices, workersService } from './services.ts';

/** How long a service may take to become ready: 60 seconds. */
const readyTimeoutMs = 60_000;

const colours = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m', '\x1b[34m', '\x1b[31m'];
const reset = '\x1b[0m';
const levels: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Pino's JSON lines made readable: level, message, then the other fields. */
function formatLine(line: string): string {
  try {
    const {
      level,
      msg,
      time: _time,
      service: _service,
      name: _name,
      pid: _pid,
      hostname: _hostname,
      ...rest
    } = JSON.parse(line);
    const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
    return `${levels[level as number] ?? level} ${msg ?? ''}${extra}`;
  } catch {
    return line;
  }
}

const children: ChildProcess[] = [];
let stopping = false;

function start(name: string, entry: string, colour: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', fromRoot(entry)], {
    cwd: fromRoot(),
    env: { ...process.env, APOLLO_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `${colour}[${name.padEnd(7)}]${reset} `;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => console.log(prefix + formatLine(line)));
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${prefix}exited (${signal ?? `code ${code}`}); stopping everything`);
    void stopAll(1);
  });
  children.push(child);
  return child;
}

async function waitReady(name: string, url: string): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (stopping) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${name} was not ready at ${url} within ${readyTimeoutMs / 1000} s`);
}

async function stopAll(exitCode: number): Promise<never> {
  stopping = true;
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  process.exit(exitCode);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

const problems = await backingServiceProblems();
if (problems.length > 0) {
  console.error(`Cannot start Curbside:\n${problems.map((problem) => `  - ${problem}`).join('\n')}\n\n${howToStart}`);
  process.exit(1);
}

const startedAt = Date.now();
subgraphServices.forEach((service, index) => start(service.name, service.entry, colours[index % colours.length]!));
try {
  await Promise.all(
    subgraphServices.map((service) => waitReady(service.name, `http://127.0.0.1:${service.port}/ready`)),
  );
  start(gatewayService.name, gatewayService.entry, '\x1b[1m');
  start(workersService.name, workersService.entry, '\x1b[2m');
  await waitReady('gateway', `http://127.0.0.1:${gatewayService.port}/ready`);
} catch (error) {
  console.error((error as Error).message);
  await stopAll(1);
}
const url = `http://localhost:${gatewayService.port}/graphql`;
console.log(
  `\n\x1b[1mCurbside is up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.${reset}\n` +
    `  GraphQL endpoint and Apollo Sandbox: ${url}\n` +
    `  Health: http://localhost:${gatewayService.port}/health, readiness: http://localhost:${gatewayService.port}/ready\n` +
    `  Demo data: pnpm seed. Stop with Ctrl-C.\n`,
);
