import { Migration } from '@mikro-orm/migrations';

export class Migration20261128000000_vendor_open_and_follows extends Migration {
  override up(): void {
    this.addSql(`alter table "vendor"
      add column "is_open" boolean not null default false,
      add column "opened_at" timestamptz null,
      add constraint "vendor_opened_at_iff_open" check ("is_open" = ("opened_at" is not null))`);
    // Lists of open vendors (filter openNow) read the newest-first order from this smaller index.
    this.addSql(`create index "vendor_open_newest_idx" on "vendor" ("created_at" desc, "id" desc) where "is_open"`);
    this.addSql(`create table "vendor_follow" (
      "vendor_id" uuid not null references "vendor" ("id") on delete cascade,
      "user_id" uuid not null,
      "created_at" timestamptz not null,
      primary key ("vendor_id", "user_id")
    )`);
    // A user's follows, newest first; vendor_id breaks ties in the same order as the keyset cursor.
    this.addSql(
      `create index "vendor_follow_user_newest_idx" on "vendor_follow" ("user_id", "created_at" desc, "vendor_id" desc)`,
    );
  }
}
