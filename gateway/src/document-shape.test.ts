import { outcomeWithinHangGuardSync } from '@curbside/fixtures';
import { describe, expect, it } from 'vitest';
import { bracketNesting } from './document-shape.ts';

describe('bracketNesting', () => {
  it('counts the deepest nesting of braces, brackets and parentheses', () => {
    expect(bracketNesting('{ a }')).toBe(1);
    expect(bracketNesting('query ($v: [Int] = [1]) { a(x: { y: [1, 2] }) { b } }')).toBe(4);
    expect(bracketNesting('{ a } { b { c } }')).toBe(2);
  });

  it('does not count brackets inside strings, block strings and comments', () => {
    expect(bracketNesting('{ a(s: "{{{{[[[(((") }')).toBe(2);
    expect(bracketNesting('{ a(s: "\\"{{{{") }')).toBe(2);
    expect(bracketNesting('{ a(s: """ {{{{ \\""" {{{{ """) }')).toBe(2);
    expect(bracketNesting('{ a # {{{{{{\n }')).toBe(1);
  });

  it('tells a document nested thousands deep at once, and a megabyte of it in milliseconds', () => {
    const deep = `${'{ ... on Query '.repeat(3_000)}${'}'.repeat(3_000)}`;
    expect(bracketNesting(deep, 64)).toBe(65);
    const huge = `{ a(s: "${'x'.repeat(1 << 20)}") ${'# {\n'.repeat(100_000)} }`;
    expect(outcomeWithinHangGuardSync(() => bracketNesting(huge))).toBe(2);
    expect(outcomeWithinHangGuardSync(() => bracketNesting(`"""${'\\"""'.repeat(250_000)}`))).toBe(0);
  });
});
