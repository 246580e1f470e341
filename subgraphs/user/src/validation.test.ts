import { describe, expect, it } from 'vitest';
import {
  checkLoginInput,
  checkRefreshToken,
  checkRegistration,
  isEmailAddress,
  usernamePattern,
  type RegisterInput,
} from './accounts.ts';
import { checkProfileChanges } from './profile.ts';

const megabyte = 1 << 20;
/** Generous: each check is linear, so a megabyte takes a few milliseconds. */
const budgetMs = 200;

/** What `run` returned or threw, failing when it took longer than `budgetMs`. */
function quickly(run: () => unknown): unknown {
  const started = performance.now();
  try {
    return run();
  } catch (error) {
    return error;
  } finally {
    expect(performance.now() - started).toBeLessThan(budgetMs);
  }
}

const refused = (fields: Record<string, unknown>) =>
  expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', fields }) });

/** Inputs aimed at `^[^\s@]+@[^\s@]+\.[^\s@]+$`, whose overlapping quantifiers backtrack on long dotted domains. */
const hostileEmails = (size: number) => [
  `a@${'a.'.repeat(size / 2)}@`,
  `a@${'a.'.repeat(size / 2)} `,
  `a@${'.'.repeat(size)}@`,
  `${'a'.repeat(size)}@`,
  `${'@'.repeat(size)}.a`,
  `a@a${'.a'.repeat(size / 2)}\n`,
];

describe('user input on hostile sizes', () => {
  it('tells email addresses in linear time (the old pattern took seconds on 100 kB)', () => {
    // 100 kB first: the quadratic pattern fails this by its time rather than hang on the megabyte.
    for (const size of [100_000, megabyte]) {
      for (const email of hostileEmails(size)) expect(quickly(() => isEmailAddress(email))).toBe(false);
    }
    expect(quickly(() => isEmailAddress(`a@${'a.'.repeat(megabyte / 2)}a`))).toBe(true);
  });

  it('accepts and refuses the same addresses as the old pattern', () => {
    const old = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
    const samples = [
      'ana@example.com',
      'a@b.c',
      'a@..a',
      'a@.a',
      'a@a.',
      'a@a..',
      'a@a',
      '@a.b',
      'a@@a.b',
      'a@a.b@c.d',
      'a b@c.d',
      'a@b.c\t',
      'a@b\u00a0.c',
      'ünï@cödé.fr',
      'a.b@c',
      '',
    ];
    for (const email of samples) expect(isEmailAddress(email), email).toBe(old.test(email));
  });

  it('refuses a megabyte-long registration field before trimming or matching it', () => {
    const valid: RegisterInput = {
      email: 'ana@example.com',
      username: 'ana',
      password: 'correct horse battery',
      displayName: 'Ana',
    };
    expect(checkRegistration({ ...valid, email: ' Ana@Example.com ' }).email).toBe('ana@example.com');
    for (const email of hostileEmails(megabyte)) {
      expect(quickly(() => checkRegistration({ ...valid, email }))).toEqual(
        refused({ email: expect.stringContaining('at most 320') }),
      );
    }
    for (const field of ['username', 'password', 'displayName'] as const) {
      for (const value of ['a'.repeat(megabyte), `${' '.repeat(megabyte)}x`]) {
        expect(quickly(() => checkRegistration({ ...valid, [field]: value }))).toEqual(
          refused({ [field]: expect.stringMatching(/^expected at most \d+ characters/) }),
        );
      }
    }
    // Just over the limit still gets the messages it always had.
    expect(quickly(() => checkRegistration({ ...valid, email: `${'a'.repeat(320)}@b.c` }))).toEqual(
      refused({ email: 'expected an email address such as ana@example.com' }),
    );
  });

  it('refuses a megabyte-long login, password or refresh token before any lookup or hash', () => {
    expect(() => checkLoginInput(' Ana ', 'correct horse battery')).not.toThrow();
    expect(quickly(() => checkLoginInput(`a@${'a.'.repeat(megabyte / 2)}@`, 'pw'))).toEqual(
      refused({ login: expect.stringContaining('at most 320') }),
    );
    expect(quickly(() => checkLoginInput('ana', 'p'.repeat(megabyte)))).toEqual(
      refused({ password: expect.stringContaining('at most 256') }),
    );
    expect(() => checkRefreshToken('x'.repeat(43))).not.toThrow();
    expect(quickly(() => checkRefreshToken('x'.repeat(megabyte)))).toEqual(
      refused({ refreshToken: expect.stringContaining('at most 128') }),
    );
  });

  it('refuses megabyte-long profile changes and usernames quickly', () => {
    expect(checkProfileChanges({ displayName: '  Ana  ', bio: `  ${'b'.repeat(500)}  ` })).toEqual({
      displayName: 'Ana',
      bio: 'b'.repeat(500),
    });
    expect(
      quickly(() => checkProfileChanges({ displayName: 'd'.repeat(megabyte), bio: ' '.repeat(megabyte) })),
    ).toEqual(refused({ displayName: expect.stringContaining('100'), bio: expect.stringContaining('500') }));
    expect(quickly(() => usernamePattern.test('a'.repeat(megabyte)))).toBe(false);
  });
});
