/**
 * Literals of an SQL statement: single-quoted strings (with doubled quotes, and the `E'…'` form), dollar-quoted
 * strings, and numbers not part of a name or a `$1` placeholder.
 */
const sqlLiteral =
  /\bE'(?:[^'\\]|''|\\[\s\S])*'|'(?:[^']|'')*'|\$(\w*)\$[\s\S]*?\$\1\$|(?<![\w$."])\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi;

/** Characters of a statement a span keeps: a batched upsert can be megabytes, and each is matched on a query. */
export const maxTracedStatementChars = 4_096;

/** Where a literal the cut left unclosed begins (closed ones are already `?`): a quote, or a dollar-quote tag. */
const unclosedLiteral = /E?'|\$\w*\$/;

/**
 * `sql` with every literal replaced by `?`, for a span: MikroORM sends values inlined in the statement (password
 * and token hashes, emails, payloads), which must not leave the process with the trace. Names and placeholders
 * stay, so the statement still says what it did. A statement past `maxTracedStatementChars` is cut there, and
 * anything from a literal the cut left open is dropped, so no part of a value is kept.
 */
export function sqlWithoutLiterals(sql: string): string {
  if (sql.length <= maxTracedStatementChars) return sql.replace(sqlLiteral, '?');
  const head = sql.slice(0, maxTracedStatementChars).replace(sqlLiteral, '?');
  const open = head.search(unclosedLiteral);
  return `${open < 0 ? head : head.slice(0, open)} …`;
}
