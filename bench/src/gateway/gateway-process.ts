/** The gateways `bench:gateway` compares, each a process of its own with its log in a file. */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cpuMilliseconds } from '../common/proc.ts';
import { spawnTsx, terminate } from '../common/processes.ts';
import { sleep } from '../common/run.ts';

export interface GatewayProcess {
  name: string;
  url: string;
  child: ChildProcess;
  logPath: string;
  /** User plus system CPU time the process has used so far, in milliseconds; null without /proc. */
  cpuMs(): number | null;
  stop(): Promise<void>;
}

/** A port free a moment ago, for a process that must be told its port. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Starts an entry file (`entry`, a URL) as its own Node process (this Node, with tsx) on a port of its own, its
 * output in a log file in `logDir` (so that reading it costs this process nothing), and waits until it answers a
 * query: 60 s at most.
 */
export async function startGatewayProcess(
  name: string,
  entry: URL,
  env: Record<string, string>,
  logDir: string,
): Promise<GatewayProcess> {
  const port = await freePort();
  const logPath = join(logDir, `${name.replace(/\W+/g, '-')}.log`);
  const log = createWriteStream(logPath);
  await new Promise((resolve) => log.once('open', resolve));
  const child = spawnTsx(entry, [], {
    env: { ...process.env, APOLLO_TELEMETRY_DISABLED: '1', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', log, log],
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}; see ${logPath}`);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ __typename }"}',
      });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not answer within 60 s; see ${logPath}`);
    await sleep(250);
  }
  return {
    name,
    url,
    child,
    logPath,
    cpuMs: () => (child.pid === undefined ? null : cpuMilliseconds(child.pid)),
    async stop() {
      await terminate(child);
      log.end();
    },
  };
}
