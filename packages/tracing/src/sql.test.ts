import { describe, expect, it } from 'vitest';
import { maxTracedStatementChars, sqlWithoutLiterals } from './sql.ts';

describe('sqlWithoutLiterals', () => {
  it('replaces strings, escaped strings and numbers, and keeps names and placeholders', () => {
    expect(
      sqlWithoutLiterals(
        `insert into "app_user" ("id", "password_hash", "bio", "v2") values ('5016d4ed', '$argon2id$v=19$m=1$abc', 'it''s', 42) returning "id"`,
      ),
    ).toBe(`insert into "app_user" ("id", "password_hash", "bio", "v2") values (?, ?, ?, ?) returning "id"`);
    expect(sqlWithoutLiterals(`select * from outbox_event_sent_idx where a = $1 and b > 1.5e3 limit 100`)).toBe(
      `select * from outbox_event_sent_idx where a = $1 and b > ? limit ?`,
    );
    expect(sqlWithoutLiterals(`select E'a\\'b', $tag$secret ' text$tag$, t.col1 from t`)).toBe(
      `select ?, ?, t.col1 from t`,
    );
  });

  it('keeps at most the start of a long statement, and nothing of a value the cut went through', () => {
    const secret = 's3cret-'.repeat(2_000);
    const rows = Array.from({ length: 2_000 }, (_, index) => `(${index}, 'name ${index}')`).join(', ');
    const traced = sqlWithoutLiterals(`insert into "post" ("n", "body") values ${rows}, (1, '${secret}')`);
    expect(traced.length).toBeLessThanOrEqual(maxTracedStatementChars + 2);
    expect(traced).toMatch(/^insert into "post" \("n", "body"\) values \(\?, \?\), /);
    expect(traced.endsWith(' …')).toBe(true);

    const cutInside = sqlWithoutLiterals(`update "post" set "body" = '${secret}' where "id" = $1`);
    expect(cutInside).toBe('update "post" set "body" =  …');
    expect(cutInside).not.toContain('s3cret');
  });
});
