/** Hostile scalar values: odd strings and JSON texts that parsers, validators and ORMs tend to get wrong. */
import type { Pick } from './pick.ts';

/** Strings that have broken validators, SQL, regexes and terminals before. */
const nastyStrings = [
  '',
  ' ',
  '\u0000',
  "'; drop table app_user; --",
  "' or '1'='1",
  '%s%s%s%n',
  '${7*7}',
  '{{7*7}}',
  '../../../../etc/passwd',
  'a@b.c',
  'x'.repeat(256) + '@example.com',
  '\u202Eevil',
  '\uFEFFbom',
  '\uD800', // a lone surrogate
  '\uDFFF\uD800',
  '😀'.repeat(50),
  'Z̴̡̛̲͇̟̱͙̫̜̝̰̫̹̼̲͖̭̪̝̈́̄̾͊̈́͆̓̄̈̏̐̂̀͂̕͝a̸l̶g̵o̷',
  'NaN',
  'Infinity',
  '-0',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '2026-02-30T25:61:61Z',
  '1970-01-01T00:00:00.000Z',
  '\r\n\r\nHTTP/1.1 200 OK\r\n',
  '<script>alert(1)</script>',
];

/** A string: short random Unicode, a known nasty one, or a long one (up to `maxLength` characters). */
export function hostileString(pick: Pick, maxLength = 20_000): string {
  return pick.weighted([
    [5, () => pick.text(24)],
    [3, () => pick.one(nastyStrings)],
    [1, () => pick.text(24, 0, 'binary')],
    [1, () => pick.one(['a', '@', ' a', 'é', '\\', '"']).repeat(pick.int(100, maxLength))],
  ] as const)();
}

const pollutionKeys = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
];

/**
 * A JSON text of any shape: wrong types, huge strings and numbers (1e400 parses to Infinity), deep nesting,
 * and objects whose keys are `__proto__` and friends (written as text: `JSON.stringify` of a literal object
 * would have lost them).
 */
export function hostileJsonText(pick: Pick, depth = 0): string {
  const leaf = (): string =>
    pick.one([
      () => JSON.stringify(hostileString(pick, 5_000)),
      () => pick.one(['1e400', '-1e400', '1e-400', '-0', '123456789012345678901234567890', '0.1e1', '2147483648']),
      () => String(pick.double()),
      () => pick.one(['true', 'false', 'null', '"NaN"', '"Infinity"', '0', '""', '[]', '{}']),
    ])();
  if (depth > 4 || pick.chance(0.5)) return leaf();
  if (depth === 0 && pick.chance(0.05)) {
    // Nesting deep enough to hurt recursive walkers, not deep enough to be rejected by JSON.parse.
    const levels = pick.int(100, 5_000);
    return '['.repeat(levels) + ']'.repeat(levels);
  }
  if (pick.chance(0.4)) {
    return `[${Array.from({ length: pick.int(0, 5) }, () => hostileJsonText(pick, depth + 1)).join(',')}]`;
  }
  const entries = Array.from({ length: pick.int(0, 5) }, () => {
    const key = pick.chance(0.4) ? pick.one(pollutionKeys) : pick.text(12);
    return `${JSON.stringify(key)}:${hostileJsonText(pick, depth + 1)}`;
  });
  if (depth === 0 && pick.chance(0.05)) {
    // Many fields: a walker that is quadratic in them shows.
    for (let i = pick.int(1_000, 20_000); i > 0; i--) entries.push(`"f${i}":${i}`);
  }
  return `{${entries.join(',')}}`;
}
