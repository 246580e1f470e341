import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  checkLoginInput,
  checkRefreshToken,
  checkRegistration,
  loginLookup,
  loginRefusal,
  refreshRefusal,
  refreshTokenExpired,
  usernamePattern,
  type RegisterInput,
} from './accounts.ts';
import { checkProfileChanges } from './profile.ts';

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
