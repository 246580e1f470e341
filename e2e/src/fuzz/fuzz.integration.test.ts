import { afterAll, beforeAll, expect, test } from 'vitest';
import { startStack, type TestStack } from '../stack.ts';
import { formatReport, runFuzz } from './campaign.ts';

/** A fixed seed, so `pnpm test` sends the same inputs every time; FUZZ_SEED replays or explores another. */
const seed = Number(process.env['FUZZ_SEED'] ?? 20_261_203);
const maxInputs = Number(process.env['FUZZ_INPUTS'] ?? 300);

let stack: TestStack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

test(`hostile input (fuzz, seed ${seed}): no 5xx, no crash, no leaked internals, every error coded, memory back near its baseline`, async () => {
  const report = await runFuzz(stack, { seed, maxInputs, maxMs: 45_000 });
  const failures = report.findings.filter((finding) => finding.severity === 'fail');
  // The whole report (inputs included) is the message: a failure names its seed and input, so it can be replayed.
  expect(failures, `FUZZ_SEED=${seed}\n${formatReport(report)}`).toEqual([]);
  expect(report.tried.document + report.tried.mutated + report.tried.raw + report.tried.ws).toBeGreaterThan(
    Math.min(maxInputs, 100),
  );
  expect(report.tried.ws).toBeGreaterThan(0);
}, 90_000);
