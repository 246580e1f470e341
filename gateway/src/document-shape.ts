/**
 * How deeply a GraphQL document's brackets nest (`{`, `[`, `(`), read in one pass over its text before it is
 * parsed: graphql-js parses recursively, so a few thousand nested `{ ... on Query` in a 30 KB document (far
 * under the token limit) overflow its stack. Strings, block strings and comments are skipped, so brackets in
 * them do not count. Stops counting once `limit` is passed. Linear in the text; no pattern.
 */
export function bracketNesting(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let index = 0;
  const length = text.length;
  while (index < length) {
    const char = text.charCodeAt(index);
    if (char === 0x23 /* # */) {
      // A comment runs to the end of its line.
      while (index < length && text.charCodeAt(index) !== 0x0a && text.charCodeAt(index) !== 0x0d) index++;
      continue;
    }
    if (char === 0x22 /* " */) {
      if (text.startsWith('"""', index)) {
        // A block string ends at the next """ not escaped as \""".
        index += 3;
        while (index < length && !text.startsWith('"""', index)) index += text.startsWith('\\"""', index) ? 4 : 1;
        index += 3;
        continue;
      }
      index++;
      while (index < length) {
        const inner = text.charCodeAt(index);
        if (inner === 0x5c /* \ */) index += 2;
        else if (inner === 0x22 || inner === 0x0a || inner === 0x0d)
          break; // a string ends at its quote or line
        else index++;
      }
      index++;
      continue;
    }
    if (char === 0x7b || char === 0x5b || char === 0x28) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if ((char === 0x7d || char === 0x5d || char === 0x29) && depth > 0) {
      depth--;
    }
    index++;
  }
  return deepest;
}
