/** Records SQL statements and counts them by the table they read or write. */
export class SqlRecorder {
  readonly statements: string[] = [];

  record(sql: string): void {
    this.statements.push(sql);
  }

  reset(): void {
    this.statements.length = 0;
  }

  /**
   * Statements per table, named by the first table after from/into/update; a function call there is not a
   * table (the outbox metrics' `extract(epoch from now() - …) … from "outbox_event"` counts as outbox_event).
   */
  countByTable(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const sql of this.statements) {
      const table = /\b(?:from|into|update)\s+"?([a-z_][a-z0-9_]*)\b"?(?!\()/i.exec(sql)?.[1];
      if (!table) continue;
      counts[table] = (counts[table] ?? 0) + 1;
    }
    return counts;
  }
}
