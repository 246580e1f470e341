import { Migration } from '@mikro-orm/migrations';
import { outboxTableSql } from '@curbside/subgraph-kit';

export class Migration20261128120000_posts extends Migration {
  override up(): void {
    // Copies of what the media and vendor subgraphs own, fed by their events (see media-copy.ts and
    // vendor-copy.ts). `version` is the time of the last event applied; deleted rows stay as tombstones.
    this.addSql(`create table "media_copy" (
      "media_id" uuid primary key,
      "owner_id" uuid not null,
      "deleted" boolean not null default false,
      "version" timestamptz not null
    )`);
    this.addSql(`create table "vendor_copy" (
      "vendor_id" uuid primary key,
      "owner_id" uuid not null,
      "deleted" boolean not null default false,
      "version" timestamptz not null
    )`);
    this.addSql(`create table "post" (
      "id" uuid primary key,
      "author_id" uuid not null,
      "vendor_id" uuid null,
      "body" text not null check (char_length("body") between 1 and 5000),
      "created_at" timestamptz not null,
      "edited_at" timestamptz null
    )`);
    // User.posts and Vendor.posts, newest first; id breaks ties in the same order as the keyset cursor.
    this.addSql(`create index "post_author_newest_idx" on "post" ("author_id", "created_at" desc, "id" desc)`);
    this.addSql(
      `create index "post_vendor_newest_idx" on "post" ("vendor_id", "created_at" desc, "id" desc) where "vendor_id" is not null`,
    );
    this.addSql(`create table "post_media" (
      "post_id" uuid not null references "post" ("id") on delete cascade,
      "position" smallint not null check ("position" between 0 and 9),
      "media_id" uuid not null,
      primary key ("post_id", "position"),
      unique ("post_id", "media_id")
    )`);
    this.addSql(`create table "post_like" (
      "post_id" uuid not null references "post" ("id") on delete cascade,
      "user_id" uuid not null,
      "created_at" timestamptz not null,
      primary key ("post_id", "user_id")
    )`);
    this.addSql(`create table "comment" (
      "id" uuid primary key,
      "post_id" uuid not null references "post" ("id") on delete cascade,
      "author_id" uuid not null,
      "body" text not null check (char_length("body") between 1 and 2000),
      "created_at" timestamptz not null
    )`);
    // A post's comments, oldest first; id breaks ties in the same order as the keyset cursor.
    this.addSql(`create index "comment_post_oldest_idx" on "comment" ("post_id", "created_at", "id")`);
    for (const sql of outboxTableSql) this.addSql(sql);
  }
}
