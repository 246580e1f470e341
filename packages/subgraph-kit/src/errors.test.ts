import { GraphQLError } from 'graphql';
import { DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { badUserInput } from '@curbside/errors';
import { createLogger } from '@curbside/service';
import { makeErrorFormatter } from './errors.ts';

const format = makeErrorFormatter(createLogger('test', 'silent'));
const formatted = (error: GraphQLError) => format(error.toJSON(), error);
const wrap = (original: Error) => new GraphQLError(original.message, { originalError: original, path: ['field'] });

describe('makeErrorFormatter', () => {
  it('passes registered client errors with their code and fields', () => {
    const result = formatted(badUserInput({ email: 'expected an email' }));
    expect(result.extensions).toEqual({ code: 'BAD_USER_INPUT', fields: { email: 'expected an email' } });
  });

  it('masks unexpected errors: no message, no stack, no SQL', () => {
    const result = formatted(
      wrap(new Error('select * from app_user where password_hash = ... failed at 10.0.0.5:5432')),
    );
    expect(result).toEqual({
      message: 'Internal server error.',
      path: ['field'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('maps a unique-constraint violation to CONFLICT without the database text', () => {
    const violation = new UniqueConstraintViolationException(
      new Error('duplicate key value violates unique constraint "app_user_email_unique"'),
    );
    const result = formatted(wrap(violation));
    expect(result.extensions).toEqual({ code: 'CONFLICT' });
    expect(result.message).not.toContain('app_user');
  });

  it('maps text PostgreSQL cannot store (a NUL character) to BAD_USER_INPUT, and other driver errors to a mask', () => {
    const nul = new DriverException(
      Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' }),
    );
    expect(formatted(wrap(nul)).extensions).toEqual({ code: 'BAD_USER_INPUT' });
    const other = new DriverException(Object.assign(new Error('deadlock detected'), { code: '40P01' }));
    expect(formatted(wrap(other)).extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
  });
});
