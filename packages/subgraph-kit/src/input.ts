import { badUserInput, type FieldProblems } from '@curbside/errors';

/**
 * Whitespace tolerated around a field that is trimmed afterwards, beyond its limit: 100 characters. Enough for a
 * pasted value's stray spaces and newlines; the limit itself then applies to the trimmed text as before.
 */
export const trimmedLengthSlack = 100;

/** How a string field is bounded before anything else reads it. */
export interface LengthLimit {
  /** The most characters (UTF-16 code units) the field may have. */
  max: number;
  /** The field is trimmed afterwards: up to `trimmedLengthSlack` more characters are let through. Default false. */
  trimmed?: boolean;
}

/** One field to bound: its value as received (null and undefined pass) and its limit (a number: `{ max }`). */
export type LengthCheck = readonly [value: string | null | undefined, limit: number | LengthLimit];

/**
 * Refuses over-long strings before anything else reads them (trimming, lower-casing, patterns, hashing,
 * lookups): a 2 MiB body can carry a 2 MiB string, and every later step should only ever see a short one.
 * Throws one BAD_USER_INPUT naming every over-long field with its limit; the input is not echoed.
 */
export function checkLengths(fields: Record<string, LengthCheck>): void {
  const problems: FieldProblems = {};
  for (const [field, [value, limit]] of Object.entries(fields)) {
    if (value === null || value === undefined) continue;
    const { max, trimmed = false } = typeof limit === 'number' ? { max: limit } : limit;
    if (value.length > max + (trimmed ? trimmedLengthSlack : 0)) {
      problems[field] = `expected at most ${max} characters${trimmed ? ' after trimming' : ''}, got ${value.length}`;
    }
  }
  if (Object.keys(problems).length > 0) throw badUserInput(problems);
}

/** `checkLengths` for one field; returns the value, so it can wrap an argument where it is read. */
export function checkLength(field: string, value: string, limit: number | LengthLimit): string {
  checkLengths({ [field]: [value, limit] });
  return value;
}

/** The most characters of a refused input that an error message quotes back: 40. */
export const quotedInputLength = 40;

/**
 * `value` as JSON, cut to `max` characters (default `quotedInputLength`) with an ellipsis, for error
 * messages that say what came: an error must not echo a megabyte back, nor carry it into logs.
 */
export function quoted(value: string, max = quotedInputLength): string {
  return value.length <= max ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, max))}…`;
}
