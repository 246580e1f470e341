/**
 * infra/Dockerfile checked offline (no Docker engine in CI): its stages and the properties of the runtime
 * stage. That the commands its build stage runs work is shown by image.integration.test.ts, which runs the
 * same `pnpm build` and `pnpm image:layout` and starts services from the result.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromRoot } from './paths.ts';

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile as instructions: continuation lines joined, comments and blank lines dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** Instructions by stage name (`FROM ... AS <name>`). */
function stages(list: Instruction[]): Map<string, Instruction[]> {
  const byStage = new Map<string, Instruction[]>();
  let current: Instruction[] = [];
  for (const instruction of list) {
    if (instruction.keyword === 'FROM') {
      const name = /\bAS\s+(\S+)/i.exec(instruction.args)?.[1] ?? `stage${byStage.size}`;
      current = [instruction];
      byStage.set(name, current);
    } else current.push(instruction);
  }
  return byStage;
}

const dockerfile = stages(instructions(readFileSync(fromRoot('infra/Dockerfile'), 'utf8')));
const build = dockerfile.get('build') ?? [];
const runtime = dockerfile.get('runtime') ?? [];
const args = (stage: Instruction[], keyword: string) =>
  stage.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);

describe('infra/Dockerfile', () => {
  it('builds in one stage and runs from another, the runtime stage last', () => {
    expect([...dockerfile.keys()]).toEqual(['build', 'runtime']);
    expect(build[0]?.args).toMatch(/^node:24-/);
    expect(runtime[0]?.args).toMatch(/^node:24-/);
  });

  it('compiles in the build stage and lays out production dependencies only', () => {
    const runs = args(build, 'RUN');
    expect(runs).toContain('pnpm install --frozen-lockfile --offline');
    expect(runs).toContain('pnpm build');
    expect(runs).toContain('pnpm image:layout /app');
    expect(runs.indexOf('pnpm build')).toBeLessThan(runs.indexOf('pnpm image:layout /app'));
  });

  it('copies only the laid-out /app into the runtime stage, and installs nothing there', () => {
    expect(args(runtime, 'COPY')).toEqual(['--from=build /app /app']);
    for (const run of args(runtime, 'RUN')) expect(run).not.toMatch(/pnpm|npm|tsx|yarn/);
  });

  it('runs as a non-root user, in production mode, with a healthcheck and the gateway by default', () => {
    const users = args(runtime, 'USER');
    expect(users).toEqual(['node']);
    const env = args(runtime, 'ENV').join(' ');
    expect(env).toMatch(/\bNODE_ENV=production\b/);
    expect(args(runtime, 'HEALTHCHECK').join(' ')).toContain('CMD ["node", "infra/dist/healthcheck.js"]');
    expect(args(runtime, 'CMD')).toEqual(['["node", "gateway/dist/main.js"]']);
    // The last USER comes before the command: nothing runs as root at run time.
    const userIndex = runtime.findIndex((instruction) => instruction.keyword === 'USER');
    const cmdIndex = runtime.findIndex((instruction) => instruction.keyword === 'CMD');
    expect(userIndex).toBeGreaterThan(0);
    expect(userIndex).toBeLessThan(cmdIndex);
  });

  it('keeps data, secrets and local installs out of the build context', () => {
    const ignored = readFileSync(fromRoot('.dockerignore'), 'utf8').split('\n');
    for (const pattern of ['**/node_modules', '**/dist', '.git', '.env', '.env.*', '**/.media', '*.pem', '*.key'])
      expect(ignored).toContain(pattern);
    expect(ignored).toContain('!.env.example');
  });
});
