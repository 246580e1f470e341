import { describe, expect, it } from 'vitest';
import { loadDatabaseSettings } from './database-env.ts';

const day = 24 * 3600 * 1000;

describe('loadDatabaseSettings', () => {
  it('keeps sent outbox rows 7 days unless OUTBOX_RETENTION_DAYS says otherwise', () => {
    expect(loadDatabaseSettings('vendor', {}).outboxRetentionMs).toBe(7 * day);
    expect(loadDatabaseSettings('vendor', { OUTBOX_RETENTION_DAYS: '2' }).outboxRetentionMs).toBe(2 * day);
  });

  it('refuses a retention that is not a whole number of days from 1 to 365, naming the variable', () => {
    for (const value of ['0', '366', '1.5', 'week']) {
      expect(() => loadDatabaseSettings('vendor', { OUTBOX_RETENTION_DAYS: value })).toThrow(/OUTBOX_RETENTION_DAYS/);
    }
  });
});
