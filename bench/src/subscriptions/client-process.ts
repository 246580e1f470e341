/** The load client of `bench:subscriptions` seen from the benchmark: its process, and requests to it over IPC. */
import { sleep } from '../common/run.ts';
import { spawnTsx, terminate } from '../common/processes.ts';
import type { ClientReply, ClientRequest, ResumeReport, StatusReply } from './protocol.ts';

export interface ClientProcess {
  pid: number;
  ask<Reply extends ClientReply>(request: ClientRequest, timeoutMs?: number): Promise<Reply>;
  stop(): Promise<void>;
}

/** Starts the load client (`client/main.ts`) with an IPC channel; it answers each request with one message, in order. */
export function startClientProcess(): ClientProcess {
  const child = spawnTsx(new URL('./client/main.ts', import.meta.url), [], {
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

/**
 * Polls the client with `request` (its status by default) until `done(status)` holds, or until `giveUp(status)`;
 * returns the last status.
 */
export async function pollClient<Status extends StatusReply | ResumeReport = StatusReply>(
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
