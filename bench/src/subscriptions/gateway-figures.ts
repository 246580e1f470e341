/**
 * Figures of the gateway read from its /metrics before and after the measured rounds of `bench:subscriptions`:
 * its entity fetches and what held its event loop.
 */
/**
 * The gateway's fetches to each subgraph while publishing (hydrations of events, from its /metrics): how many,
 * and their mean duration, which is most of the time an event spends inside the gateway before its fan-out.
 */
export function entityFetches(before: Map<string, number>, after: Map<string, number>): string {
  const prefix = 'curbside_gateway_subgraph_fetch_duration_seconds_';
  const bySubgraph = new Map<string, { count: number; seconds: number }>();
  for (const [name, value] of after) {
    const match = new RegExp(`^${prefix}(sum|count)\\{(.*)\\}$`).exec(name);
    const subgraph = match && /subgraph="([a-z]+)"/.exec(match[2]!)?.[1];
    if (!match || !subgraph) continue;
    const delta = value - (before.get(name) ?? 0);
    const entry = bySubgraph.get(subgraph) ?? { count: 0, seconds: 0 };
    if (match[1] === 'sum') entry.seconds += delta;
    else entry.count += delta;
    bySubgraph.set(subgraph, entry);
  }
  const parts = [...bySubgraph]
    .filter(([, { count }]) => count > 0)
    .map(([subgraph, { count, seconds }]) => `${subgraph} ${count} (mean ${((seconds / count) * 1000).toFixed(1)} ms)`);
  return parts.length === 0 ? 'none counted (/metrics)' : `while publishing: ${parts.join(', ')}`;
}

/**
 * What held the gateway's event loop while publishing, from its /metrics (scraped just before and just after the
 * measured rounds; prom-client resets the loop delay at each scrape): the loop's delay, and its garbage
 * collections by kind with those over 100 ms. A pause there delays every event in flight: one of 400 ms in a run
 * of 20 rounds is enough to make the p99.
 */
export function gatewayPauses(before: Map<string, number>, after: Map<string, number>): string {
  if (after.size === 0) return 'unknown (/metrics did not answer)';
  const ms = (name: string) =>
    ((after.get(`curbside_gateway_nodejs_eventloop_lag_${name}_seconds`) ?? 0) * 1000).toFixed(0);
  // A sample by its name and labels, whatever the order the labels are printed in.
  const sample = (samples: Map<string, number>, name: string, labels: string[]) => {
    for (const [key, value] of samples) {
      if (key.startsWith(`${name}{`) && labels.every((label) => key.includes(label))) return value;
    }
    return 0;
  };
  const delta = (name: string, ...labels: string[]) => sample(after, name, labels) - sample(before, name, labels);
  const gc = 'curbside_gateway_nodejs_gc_duration_seconds';
  const collections = ['minor', 'incremental', 'major']
    .map((kind) => {
      const count = delta(`${gc}_count`, `kind="${kind}"`);
      const over100ms = count - delta(`${gc}_bucket`, `kind="${kind}"`, 'le="0.1"');
      const seconds = delta(`${gc}_sum`, `kind="${kind}"`);
      return `${kind} ${count} (${(seconds * 1000).toFixed(0)} ms in all, ${over100ms} over 100 ms)`;
    })
    .join(', ');
  return `event loop delay p99 ${ms('p99')} ms, max ${ms('max')} ms; collections ${collections}`;
}
