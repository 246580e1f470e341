/**
 * The load client of `bench:gateway`, in a process of its own: sends the mix to one gateway (the plan comes on its
 * stdin), checks every answer, prints the run as JSON.
 */
import { Agent } from 'node:http';
import { postJson } from '../common/http.ts';
import { printRun } from '../common/processes.ts';
import { runConcurrent } from '../common/stats.ts';
import { check, type ClientPlan } from './mix.ts';

/** Keep-alive sockets, one per concurrent request, as a real client or proxy pool holds them. */
const clientAgent = new Agent({ keepAlive: true, maxSockets: 256 });

let input = '';
for await (const chunk of process.stdin) input += String(chunk);
const plan = JSON.parse(input) as ClientPlan;
const url = new URL(plan.url);
const send = async (i: number) => {
  const mixRequest = plan.mix[i % plan.mix.length]!;
  const body = JSON.stringify({ query: mixRequest.query, variables: mixRequest.variables });
  check(mixRequest, await postJson(clientAgent, url, body, { authorization: `Bearer ${mixRequest.token}` }));
};
await runConcurrent(plan.warmup, plan.concurrency, send);
printRun(await runConcurrent(plan.total, plan.concurrency, send));
clientAgent.destroy();
