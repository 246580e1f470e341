/**
 * The checks `pnpm deploy:check` makes of infra/observability: the Prometheus alert rules parse (YAML, each rule
 * with `alert`, `expr`, `labels.severity` and `annotations.summary`, brackets balanced in `expr`) and every
 * expression of the rules and of the Grafana dashboard's queries names only metrics the deployables register. The
 * names are read from the registries themselves (`createGatewayMetrics`, `createServiceMetrics`), so a metric
 * renamed in code fails here rather than leaving a panel empty or an alert silent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createGatewayMetrics } from '@curbside/gateway';
import { createServiceMetrics } from '@curbside/service';

/** Series Prometheus itself adds to every target, which no registry declares. */
const prometheusSeries = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped'];

/** Every series name the deployables expose (a histogram's `_bucket`, `_sum` and `_count` included). */
export async function registeredSeries(): Promise<Set<string>> {
  const names = new Set(prometheusSeries);
  for (const { registry } of [createGatewayMetrics(), createServiceMetrics()]) {
    for (const metric of await registry.getMetricsAsJSON()) {
      // prom-client declares `type` as a numeric enum, but sets the strings Prometheus names ('histogram', ...).
      const name = metric.name;
      const type = String(metric.type);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
      else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(name + suffix);
      else names.add(name);
    }
  }
  return names;
}

const keywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless']);
const more = new Set(['bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: what is left once strings, label matchers, ranges and grouping
 * clauses are removed, and function names (an identifier before `(`) and keywords are skipped.
 */
export function metricNamesOf(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = match[0];
    const at = match.index ?? 0;
    // The exponent of a number (1e-9) or a unit of a duration is part of a number, not a name.
    if (at > 0 && /[\d.]/.test(stripped[at - 1]!)) continue;
    const after = stripped.slice(at + name.length).trimStart();
    if (after.startsWith('(') || keywords.has(name) || more.has(name.toLowerCase())) continue;
    names.push(name);
  }
  return names;
}

/** Why `expr`'s brackets do not balance, or null. */
function bracketProblem(expr: string): string | null {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const char of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if ('([{'.includes(char)) stack.push(char);
    else if (char in pairs && stack.pop() !== pairs[char]) return `unbalanced '${char}'`;
  }
  return stack.length > 0 ? `unclosed '${stack.at(-1)}'` : null;
}

function checkExpr(where: string, expr: unknown, known: Set<string>, problems: string[]): void {
  if (typeof expr !== 'string' || expr.trim() === '') {
    problems.push(`${where}: expected an expression, but got ${JSON.stringify(expr)}`);
    return;
  }
  const brackets = bracketProblem(expr);
  if (brackets) problems.push(`${where}: ${brackets} in ${JSON.stringify(expr.trim())}`);
  const names = metricNamesOf(expr);
  if (names.length === 0) problems.push(`${where}: names no metric: ${JSON.stringify(expr.trim())}`);
  for (const name of names) {
    if (!known.has(name)) problems.push(`${where}: ${name} is not a metric any deployable registers`);
  }
}

/** Problems of the alert rules file's text. */
export function checkAlertRules(text: string, known: Set<string>, file = 'alerts.yml'): string[] {
  const problems: string[] = [];
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    return [`${file}: not YAML: ${(error as Error).message}`];
  }
  const groups = (document as { groups?: unknown } | null)?.groups;
  if (!Array.isArray(groups) || groups.length === 0) return [`${file}: expected a non-empty 'groups' list`];
  const seen = new Set<string>();
  for (const [index, group] of groups.entries()) {
    const { name, rules } = (group ?? {}) as { name?: unknown; rules?: unknown };
    const where = `${file}: group ${typeof name === 'string' ? name : `#${index}`}`;
    if (typeof name !== 'string' || !name) problems.push(`${where}: expected a name`);
    if (!Array.isArray(rules) || rules.length === 0) {
      problems.push(`${where}: expected a non-empty 'rules' list`);
      continue;
    }
    for (const rule of rules as Record<string, any>[]) {
      const alert = rule?.['alert'];
      const at = `${where}: ${typeof alert === 'string' ? alert : 'a rule'}`;
      if (typeof alert !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(alert)) {
        problems.push(`${at}: expected an 'alert' name`);
      } else if (seen.has(alert)) problems.push(`${at}: defined twice`);
      else seen.add(alert);
      if (rule?.['for'] !== undefined && !/^\d+[smhd]$/.test(String(rule['for']))) {
        problems.push(`${at}: 'for' must be a duration such as 5m, but got ${JSON.stringify(rule['for'])}`);
      }
      if (typeof rule?.['labels']?.['severity'] !== 'string') problems.push(`${at}: expected labels.severity`);
      if (typeof rule?.['annotations']?.['summary'] !== 'string') problems.push(`${at}: expected annotations.summary`);
      checkExpr(at, rule?.['expr'], known, problems);
    }
  }
  return problems;
}

/** Problems of the Grafana dashboard's text: every panel's (and nested row panel's) query expressions. */
export function checkDashboard(text: string, known: Set<string>, file = 'grafana-dashboard.json'): string[] {
  let dashboard: { panels?: unknown };
  try {
    dashboard = JSON.parse(text) as { panels?: unknown };
  } catch (error) {
    return [`${file}: not JSON: ${(error as Error).message}`];
  }
  if (!Array.isArray(dashboard.panels)) return [`${file}: expected a 'panels' list`];
  const problems: string[] = [];
  let queries = 0;
  const visit = (panels: Record<string, any>[]) => {
    for (const panel of panels) {
      if (Array.isArray(panel['panels'])) visit(panel['panels']);
      if (panel['type'] === 'row') continue;
      const targets = panel['targets'];
      if (!Array.isArray(targets) || targets.length === 0) {
        problems.push(`${file}: panel ${JSON.stringify(panel['title'])} has no query`);
        continue;
      }
      for (const target of targets) {
        queries += 1;
        checkExpr(`${file}: panel ${JSON.stringify(panel['title'])}`, target?.['expr'], known, problems);
      }
    }
  };
  visit(dashboard.panels as Record<string, any>[]);
  if (queries === 0) problems.push(`${file}: no queries`);
  return problems;
}

/** Every problem of the alert rules and the dashboard in `dir` (infra/observability or a copy). */
export async function checkObservability(dir: string): Promise<string[]> {
  const known = await registeredSeries();
  return [
    ...checkAlertRules(readFileSync(join(dir, 'alerts.yml'), 'utf8'), known),
    ...checkDashboard(readFileSync(join(dir, 'grafana-dashboard.json'), 'utf8'), known),
  ];
}
