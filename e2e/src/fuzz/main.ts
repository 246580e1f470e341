/**
 * `pnpm fuzz [--minutes N] [--seed S] [--max-inputs N] [--replay SEED:INDEX]`: boots its own stack on loopback (fresh databases,
 * dropped at the end), fuzzes it for N minutes (default 10, or FUZZ_MINUTES) or N inputs (default 200,000, or
 * FUZZ_MAX_INPUTS), whichever comes first, and prints inputs tried per kind, findings with their inputs, and
 * memory before and after. Exit code 1 when there is a `fail` finding. The full report is also written as JSON.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

// Before the stack is imported: its databases are named after the run, and the telemetry stays off.
process.env['CURBSIDE_TEST_RUN'] ??= `fuzz${randomBytes(3).toString('hex')}`;
process.env['APOLLO_TELEMETRY_DISABLED'] = '1';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string' },
    seed: { type: 'string' },
    'max-inputs': { type: 'string' },
    replay: { type: 'string' },
  },
});
const minutes = Number(values.minutes ?? process.env['FUZZ_MINUTES'] ?? 10);
const seed = Number(values.seed ?? process.env['FUZZ_SEED'] ?? randomInt(2 ** 31 - 1));
const maxInputs = Number(values['max-inputs'] ?? process.env['FUZZ_MAX_INPUTS'] ?? 200_000);
for (const [name, value] of [
  ['minutes', minutes],
  ['seed', seed],
  ['max-inputs', maxInputs],
] as const) {
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} expects a non-negative number, but got ${String(value)}`);
    process.exit(2);
  }
}

// `--replay <seed>:<index>` (a finding's replay line) sends that one input and prints what came back.
const replayMatch = values.replay === undefined ? null : /^(\d+):(\d+)$/.exec(values.replay);
if (values.replay !== undefined && !replayMatch) {
  console.error(`--replay expects <seed>:<index>, as a finding's replay line says, but got ${values.replay}`);
  process.exit(2);
}
const replay = replayMatch ? { seed: Number(replayMatch[1]), index: Number(replayMatch[2]) } : undefined;

const { startStack, postgresUrl, testDatabasePrefix } = await import('../index.ts');
const { dropDatabasesWithPrefix } = await import('@curbside/subgraph-kit');
const { runFuzz, formatReport } = await import('./campaign.ts');

console.log(`fuzzing for ${minutes} min or ${maxInputs} inputs, seed ${seed} (replay: pnpm fuzz --seed ${seed})`);
let failed = false;
try {
  const stack = await startStack();
  try {
    const report = await runFuzz(stack, {
      seed,
      maxInputs,
      maxMs: minutes * 60_000,
      log: (line) => console.log(`  ${line}`),
      ...(replay ? { replay } : {}),
    });
    console.log(`\n${formatReport(report)}`);
    const file = join(tmpdir(), `curbside-fuzz-${seed}.json`);
    writeFileSync(file, JSON.stringify(report, null, 2));
    console.log(`\nfull report: ${file}`);
    failed = report.findings.some((finding) => finding.severity === 'fail');
  } finally {
    const stopping = Date.now();
    await stack.stop();
    console.log(`stack stopped in ${((Date.now() - stopping) / 1000).toFixed(1)} s`);
  }
} finally {
  await dropDatabasesWithPrefix(postgresUrl, testDatabasePrefix());
}
// Lingering sockets (ioredis reconnect timers, keep-alive agents) must not keep a finished run alive.
process.exit(failed ? 1 : 0);
