import { Migration } from '@mikro-orm/migrations';
import { outboxTableSql } from '@curbside/subgraph-kit';

export class Migration20261121000000_vendors extends Migration {
  override up(): void {
    this.addSql(`create table "vendor" (
      "id" uuid primary key,
      "owner_id" uuid not null,
      "name" varchar(100) not null,
      "description" text not null default '',
      "category" varchar(20) not null
        check ("category" in ('FOOD_TRUCK', 'MARKET_STALL', 'CAFE', 'RESTAURANT', 'OTHER')),
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null
    )`);
    this.addSql(`create index "vendor_owner_idx" on "vendor" ("owner_id", "created_at" desc, "id" desc)`);
    this.addSql(`create index "vendor_newest_idx" on "vendor" ("created_at" desc, "id" desc)`);
    for (const sql of outboxTableSql) this.addSql(sql);
  }
}
