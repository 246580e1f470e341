import { GraphQLError } from 'graphql';
import { fieldProblemsOf, outcomeWithinHangGuard } from '@curbside/fixtures';
import { describe, expect, it } from 'vitest';
import { encodeCursor } from '@curbside/subgraph-kit';
import {
  checkLoginInput,
  checkRefreshToken,
  checkRegistration,
  isEmailAddress,
  loginLookup,
  loginRefusal,
  refreshRefusal,
  refreshTokenExpired,
  usernamePattern,
  type RegisterInput,
} from './accounts.ts';
import { followPageKey, otherUserId } from './follows.ts';
import { checkProfileChanges } from './profile.ts';

const megabyte = 1 << 20;

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
  it('tells email addresses in linear time (the old pattern took seconds on 100 kB)', async () => {
    // 100 kB first: the quadratic pattern fails this by its time rather than hang on the megabyte.
    for (const size of [100_000, megabyte]) {
      for (const email of hostileEmails(size))
        expect(await outcomeWithinHangGuard(() => isEmailAddress(email))).toBe(false);
    }
    expect(await outcomeWithinHangGuard(() => isEmailAddress(`a@${'a.'.repeat(megabyte / 2)}a`))).toBe(true);
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

  it('refuses a megabyte-long registration field before trimming or matching it', async () => {
    const valid: RegisterInput = {
      email: 'ana@example.com',
      username: 'ana',
      password: 'correct horse battery',
      displayName: 'Ana',
    };
    expect(checkRegistration({ ...valid, email: ' Ana@Example.com ' }).email).toBe('ana@example.com');
    for (const email of hostileEmails(megabyte)) {
      expect(await outcomeWithinHangGuard(() => checkRegistration({ ...valid, email }))).toEqual(
        refused({ email: expect.stringContaining('at most 320') }),
      );
    }
    for (const field of ['username', 'password', 'displayName'] as const) {
      for (const value of ['a'.repeat(megabyte), `${' '.repeat(megabyte)}x`]) {
        expect(await outcomeWithinHangGuard(() => checkRegistration({ ...valid, [field]: value }))).toEqual(
          refused({ [field]: expect.stringMatching(/^expected at most \d+ characters/) }),
        );
      }
    }
    // Just over the limit still gets the messages it always had.
    expect(
      await outcomeWithinHangGuard(() => checkRegistration({ ...valid, email: `${'a'.repeat(320)}@b.c` })),
    ).toEqual(refused({ email: 'expected an email address such as ana@example.com' }));
  });

  it('refuses a megabyte-long login, password or refresh token before any lookup or hash', async () => {
    expect(() => checkLoginInput(' Ana ', 'correct horse battery')).not.toThrow();
    expect(await outcomeWithinHangGuard(() => checkLoginInput(`a@${'a.'.repeat(megabyte / 2)}@`, 'pw'))).toEqual(
      refused({ login: expect.stringContaining('at most 320') }),
    );
    expect(await outcomeWithinHangGuard(() => checkLoginInput('ana', 'p'.repeat(megabyte)))).toEqual(
      refused({ password: expect.stringContaining('at most 256') }),
    );
    expect(() => checkRefreshToken('x'.repeat(43))).not.toThrow();
    expect(await outcomeWithinHangGuard(() => checkRefreshToken('x'.repeat(megabyte)))).toEqual(
      refused({ refreshToken: expect.stringContaining('at most 128') }),
    );
  });

  it('refuses megabyte-long profile changes and usernames quickly', async () => {
    expect(checkProfileChanges({ displayName: '  Ana  ', bio: `  ${'b'.repeat(500)}  ` })).toEqual({
      displayName: 'Ana',
      bio: 'b'.repeat(500),
    });
    expect(
      await outcomeWithinHangGuard(() =>
        checkProfileChanges({ displayName: 'd'.repeat(megabyte), bio: ' '.repeat(megabyte) }),
      ),
    ).toEqual(refused({ displayName: expect.stringContaining('100'), bio: expect.stringContaining('500') }));
    expect(await outcomeWithinHangGuard(() => usernamePattern.test('a'.repeat(megabyte)))).toBe(false);
  });
});

/** What `run` threw, as code, message and field problems; fails when it did not throw. */
function thrown(run: () => unknown): { code: unknown; message: string; fields: unknown } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return { code: error.extensions['code'], message: error.message, fields: error.extensions['fields'] };
  }
  throw new Error('expected a refusal');
}

const valid: RegisterInput = {
  email: 'ana@example.com',
  username: 'ana_1',
  password: 'correct horse',
  displayName: 'Ana',
};

describe('checkRegistration', () => {
  it('lower-cases and trims the email, trims the display name, keeps username and password as given', () => {
    expect(
      checkRegistration({ ...valid, email: '  Ana@Example.COM ', displayName: '  Ana B  ', password: ' padded pw ' }),
    ).toEqual({ email: 'ana@example.com', username: 'ana_1', password: ' padded pw ', displayName: 'Ana B' });
  });

  it('refuses every bad field at once', () => {
    expect(
      thrown(() => checkRegistration({ email: 'ana@example', username: 'An', password: 'short', displayName: '  ' })),
    ).toEqual({
      code: 'BAD_USER_INPUT',
      message: expect.any(String),
      fields: {
        email: 'expected an email address such as ana@example.com',
        username: 'expected 3 to 30 characters of lower-case a-z, 0-9 and _',
        password: 'expected at least 10 characters',
        displayName: 'expected 1 to 100 characters',
      },
    });
  });

  it('takes passwords of 10 to 256 characters', () => {
    expect(checkRegistration({ ...valid, password: 'x'.repeat(10) }).password).toHaveLength(10);
    expect(checkRegistration({ ...valid, password: 'x'.repeat(256) }).password).toHaveLength(256);
    expect(thrown(() => checkRegistration({ ...valid, password: 'x'.repeat(9) })).fields).toEqual({
      password: 'expected at least 10 characters',
    });
    expect(thrown(() => checkRegistration({ ...valid, password: 'x'.repeat(257) })).code).toBe('BAD_USER_INPUT');
  });
});

describe('usernamePattern', () => {
  it('takes 3 to 30 of a-z, 0-9 and _ only', () => {
    for (const name of ['abc', 'a_1', '___', 'x'.repeat(30)]) expect(usernamePattern.test(name), name).toBe(true);
    for (const name of ['ab', 'x'.repeat(31), 'Ana', 'an a', 'an-a', 'ana@x', 'añа']) {
      expect(usernamePattern.test(name), name).toBe(false);
    }
  });
});

describe('loginLookup', () => {
  it('names an account by email when the login has an @, by username otherwise, lower-cased and trimmed', () => {
    expect(loginLookup(' Ana@Example.com ')).toEqual({ email: 'ana@example.com' });
    expect(loginLookup('ANA_1')).toEqual({ username: 'ana_1' });
  });
});

describe('checkLoginInput and checkRefreshToken', () => {
  it('let real logins, passwords and tokens through', () => {
    expect(() => checkLoginInput('ana@example.com', 'correct horse')).not.toThrow();
    expect(() => checkRefreshToken('A'.repeat(43))).not.toThrow();
  });

  it('refuse what no account or token can be, before any lookup', () => {
    expect(thrown(() => checkLoginInput('a'.repeat(10_000), 'pw')).fields).toHaveProperty('login');
    expect(thrown(() => checkLoginInput('ana', 'p'.repeat(257))).fields).toHaveProperty('password');
    expect(thrown(() => checkRefreshToken('t'.repeat(129))).fields).toHaveProperty('refreshToken');
  });
});

describe('loginRefusal', () => {
  const open = { deletedAt: null, suspendedAt: null };
  const when = new Date('2026-12-01T10:00:00Z');

  it('signs in an open account with the right password', () => {
    expect(loginRefusal(open, true)).toBeNull();
  });

  it('answers an unknown name, a wrong password and a closed account with the same words', () => {
    const answers = [
      loginRefusal(null, false),
      loginRefusal(open, false),
      loginRefusal({ deletedAt: when, suspendedAt: null }, true),
      loginRefusal({ deletedAt: when, suspendedAt: when }, true),
    ];
    for (const answer of answers) {
      expect(answer?.extensions['code']).toBe('UNAUTHENTICATED');
      expect(answer?.message).toBe(answers[0]?.message);
    }
  });

  it('tells a suspension only to whoever has the password', () => {
    const suspended = { deletedAt: null, suspendedAt: when };
    expect(loginRefusal(suspended, false)?.extensions['code']).toBe('UNAUTHENTICATED');
    expect(loginRefusal(suspended, true)?.extensions['code']).toBe('FORBIDDEN');
    expect(loginRefusal(suspended, true)?.message).toBe('This account is suspended.');
  });
});

describe('refresh tokens', () => {
  it('expire at their expiry instant, not a millisecond later', () => {
    const expiresAt = new Date('2026-12-31T00:00:00.000Z');
    expect(refreshTokenExpired({ expiresAt }, new Date(expiresAt.getTime() - 1))).toBe(false);
    expect(refreshTokenExpired({ expiresAt }, expiresAt)).toBe(true);
    expect(refreshTokenExpired({ expiresAt }, new Date(expiresAt.getTime() + 1))).toBe(true);
  });

  it('are refused with a reason the client can act on', () => {
    expect(refreshRefusal('unknown')).toMatchObject({
      message: 'The refresh token is invalid.',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(refreshRefusal('reused').message).toMatch(/already used, so the session has been ended/);
    expect(refreshRefusal('reused').extensions['code']).toBe('UNAUTHENTICATED');
    expect(refreshRefusal('expired').message).toBe('The refresh token has expired. Sign in again.');
    expect(refreshRefusal('suspended').extensions['code']).toBe('FORBIDDEN');
  });
});

describe('checkProfileChanges', () => {
  it('trims what is present and leaves out what is not', () => {
    expect(checkProfileChanges({ displayName: '  Ana  ' })).toEqual({ displayName: 'Ana' });
    expect(checkProfileChanges({})).toEqual({});
  });

  it('stores a blank or null bio as none', () => {
    expect(checkProfileChanges({ bio: '   ' })).toEqual({ bio: null });
    expect(checkProfileChanges({ bio: null })).toEqual({ bio: null });
    expect(checkProfileChanges({ bio: ' Tacos. ' })).toEqual({ bio: 'Tacos.' });
  });

  it('never clears a display name, and bounds the bio at 500 characters', () => {
    expect(thrown(() => checkProfileChanges({ displayName: null, bio: 'b'.repeat(501) })).fields).toEqual({
      displayName: 'expected 1 to 100 characters',
      bio: 'expected at most 500 characters, got 501',
    });
    expect(checkProfileChanges({ bio: 'b'.repeat(500) }).bio).toHaveLength(500);
  });
});

const ana = '6f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11';
const bea = '7f1c1c9e-8f0e-4c55-9d1a-2b8e8c3f0a11';

describe('otherUserId', () => {
  it('takes another user, its id lower-cased', () => {
    expect(otherUserId({ userId: ana }, bea.toUpperCase())).toBe(bea);
  });

  it('refuses the viewer themselves, however the id is written', () => {
    const expected = { userId: 'expected another user than yourself' };
    expect(fieldProblemsOf(() => otherUserId({ userId: ana }, ana))).toEqual(expected);
    expect(fieldProblemsOf(() => otherUserId({ userId: ana }, ana.toUpperCase()))).toEqual(expected);
  });

  it('refuses what is not an id', () => {
    expect(fieldProblemsOf(() => otherUserId({ userId: ana }, 'ana'))).toHaveProperty('userId');
  });
});

describe('followPageKey', () => {
  it('checks the page size and decodes the cursor, the user id lower-cased', () => {
    const after = { createdAt: new Date('2026-12-01T10:00:00.000Z'), id: bea };
    expect(followPageKey(ana.toUpperCase(), { first: 20, after: encodeCursor(after) })).toEqual({
      userId: ana,
      first: 20,
      after,
    });
    expect(followPageKey(ana, { first: 1, after: null })).toEqual({ userId: ana, first: 1, after: null });
  });

  it('refuses a page size out of range and a cursor it did not make', () => {
    expect(fieldProblemsOf(() => followPageKey(ana, { first: 0 }))).toHaveProperty('first');
    expect(fieldProblemsOf(() => followPageKey(ana, { first: 10, after: 'forged' }))).toEqual({
      after: 'expected a cursor returned by this connection',
    });
  });
});
