import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkAlertRules,
  checkDashboard,
  checkObservability,
  metricNamesOf,
  registeredSeries,
} from './observability-check.ts';
import { fromRoot } from './paths.ts';

const rules = readFileSync(fromRoot('infra/observability/alerts.yml'), 'utf8');
const dashboard = readFileSync(fromRoot('infra/observability/grafana-dashboard.json'), 'utf8');

describe('the alert rules and the dashboard (pnpm deploy:check)', () => {
  it('pass as committed, and the metric names come from the registries', async () => {
    expect(await checkObservability(fromRoot('infra/observability'))).toEqual([]);
    const known = await registeredSeries();
    for (const name of [
      'curbside_gateway_requests_total',
      'curbside_subgraph_request_duration_seconds_bucket',
      'curbside_db_pool_connections',
      'curbside_outbox_oldest_unsent_age_seconds',
      'curbside_queue_jobs',
      'curbside_job_failures_total',
      'curbside_dead_letters_total',
      'curbside_redis_errors_total',
    ]) {
      expect(known).toContain(name);
    }
    expect(known).not.toContain('curbside_subgraph_request_duration_seconds');
  });

  it('reads the metric names of an expression, not its functions, labels, groupings or numbers', () => {
    expect(
      metricNamesOf(
        'histogram_quantile(0.95, sum by (le, subgraph) (rate(curbside_a_bucket{outcome=~"error|x"}[5m]))) ' +
          '/ clamp_min(sum without (instance) (curbside_b), 1e-9) > 0.5 and on (job) up == bool 1',
      ),
    ).toEqual(['curbside_a_bucket', 'curbside_b', 'up']);
  });

  it('fails on a rule naming a metric nothing registers, or broken, and on a dashboard query likewise', async () => {
    const known = await registeredSeries();
    const renamed = rules.replace('curbside_outbox_oldest_unsent_age_seconds', 'curbside_outbox_oldest_age_seconds');
    expect(checkAlertRules(renamed, known)).toEqual([
      'alerts.yml: group curbside-data: CurbsideOutboxStuck: curbside_outbox_oldest_age_seconds is not a metric any deployable registers',
    ]);
    expect(checkAlertRules(rules.replace('severity: page', 'level: page'), known)).toContainEqual(
      expect.stringMatching(/CurbsideTargetDown: expected labels.severity/),
    );
    expect(checkAlertRules(rules.replace('> 60', ') > 60'), known)).toContainEqual(
      expect.stringMatching(/CurbsideOutboxStuck: unbalanced '\)'/),
    );
    expect(checkAlertRules('groups: [ {name: x', known)[0]).toMatch(/^alerts.yml: not YAML/);
    expect(checkAlertRules('groups: []', known)).toEqual(["alerts.yml: expected a non-empty 'groups' list"]);

    const brokenDashboard = dashboard.replace('curbside_queue_jobs{', 'curbside_queue_depth{');
    expect(checkDashboard(brokenDashboard, known)).toContainEqual(
      'grafana-dashboard.json: panel "Queue depth": curbside_queue_depth is not a metric any deployable registers',
    );
    expect(checkDashboard('{"panels": [{"type": "timeseries", "title": "Empty"}]}', known)).toContainEqual(
      'grafana-dashboard.json: panel "Empty" has no query',
    );
  });
});
