import { describe, expect, it } from 'vitest';
import { sqlWithoutLiterals } from './sql.ts';

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
});
