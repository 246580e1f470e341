import { Migration } from '@mikro-orm/migrations';
import { outboxTableSql } from '@curbside/subgraph-kit';

export class Migration20261121020000_locations extends Migration {
  override up(): void {
    this.addSql(`create table "vendor_copy" (
      "vendor_id" uuid primary key,
      "owner_id" uuid not null,
      "is_open" boolean not null default false,
      "deleted" boolean not null default false,
      "version" timestamptz not null
    )`);
    this.addSql(`create table "vendor_location" (
      "vendor_id" uuid primary key,
      "lat" double precision not null check ("lat" between -90 and 90),
      "lng" double precision not null check ("lng" between -180 and 180),
      "accuracy_meters" double precision null,
      "updated_at" timestamptz not null
    )`);
    this.addSql(`create table "vendor_location_history" (
      "id" uuid primary key,
      "vendor_id" uuid not null,
      "lat" double precision not null,
      "lng" double precision not null,
      "accuracy_meters" double precision null,
      "created_at" timestamptz not null
    )`);
    this.addSql(
      `create index "vendor_location_history_vendor_idx" on "vendor_location_history" ("vendor_id", "created_at" desc, "id" desc)`,
    );
    for (const sql of outboxTableSql) this.addSql(sql);
  }
}
