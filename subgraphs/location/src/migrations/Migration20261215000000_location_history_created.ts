import { Migration } from '@mikro-orm/migrations';

/**
 * The index the history's pruning reads (see pruneLocationHistory): the oldest positions of every vendor, by
 * time. The per-vendor index, (vendor_id, created_at), serves `locationHistory` and cannot find them.
 */
export class Migration20261215000000_location_history_created extends Migration {
  override up(): void {
    this.addSql(
      `create index if not exists "vendor_location_history_created_idx" on "vendor_location_history" ("created_at")`,
    );
  }
}
