/**
 * Literals of an SQL statement: single-quoted strings (with doubled quotes, and the `E'…'` form), dollar-quoted
 * strings, and numbers not part of a name or a `$1` placeholder.
 */
const sqlLiteral =
  /\bE'(?:[^'\\]|''|\\[\s\S])*'|'(?:[^']|'')*'|\$(\w*)\$[\s\S]*?\$\1\$|(?<![\w$."])\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi;

/**
 * `sql` with every literal replaced by `?`, for a span: MikroORM sends values inlined in the statement (password
 * and token hashes, emails, payloads), which must not leave the process with the trace. Names and placeholders
 * stay, so the statement still says what it did.
 */
export function sqlWithoutLiterals(sql: string): string {
  return sql.replace(sqlLiteral, '?');
}
