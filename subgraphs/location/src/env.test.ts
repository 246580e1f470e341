import { describe, expect, it } from 'vitest';
import { loadEnv } from './env.ts';

describe('the location subgraph environment', () => {
  it('keeps past positions 30 days unless LOCATION_HISTORY_RETENTION_DAYS says otherwise', () => {
    expect(loadEnv({}).LOCATION_HISTORY_RETENTION_DAYS).toBe(30);
    expect(loadEnv({ LOCATION_HISTORY_RETENTION_DAYS: '2' }).LOCATION_HISTORY_RETENTION_DAYS).toBe(2);
  });

  it('refuses a retention that is not a whole number of days from 1 to 365, naming the variable', () => {
    for (const value of ['0', '366', '1.5', 'month']) {
      expect(() => loadEnv({ LOCATION_HISTORY_RETENTION_DAYS: value })).toThrow(/LOCATION_HISTORY_RETENTION_DAYS/);
    }
  });
});
