/** What every benchmark sets before it loads `@curbside/e2e`. */
import { randomBytes } from 'node:crypto';

/**
 * Names this run (`CURBSIDE_TEST_RUN`, default `bench<6 hex digits>`; the stack names its databases and Redis keys
 * after it, so it must be set before the stack is loaded) and turns Apollo's telemetry off.
 */
export function prepareBenchRun(): void {
  process.env['CURBSIDE_TEST_RUN'] ??= `bench${randomBytes(3).toString('hex')}`;
  process.env['APOLLO_TELEMETRY_DISABLED'] = '1';
}

/** Resolves after `ms` milliseconds; at once for a negative delay. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Runs every cleanup once, in reverse order of registration, whatever fails; safe to call again. */
export function makeCleanup() {
  const steps: (() => Promise<unknown>)[] = [];
  let running: Promise<void> | undefined;
  return {
    add(step: () => Promise<unknown>) {
      steps.push(step);
    },
    run() {
      running ??= (async () => {
        for (const step of steps.reverse()) {
          await step().catch((error: unknown) => console.error('cleanup step failed:', error));
        }
      })();
      return running;
    },
  };
}
