import { Migration } from '@mikro-orm/migrations';
import { outboxTableSql } from '@curbside/subgraph-kit';

export class Migration20261128130000_media extends Migration {
  override up(): void {
    this.addSql(`create table "media" (
      "id" uuid primary key,
      "owner_id" uuid not null,
      "filename" varchar(255) not null,
      "content_type" varchar(20) not null
        check ("content_type" in ('image/jpeg', 'image/png', 'image/webp', 'image/gif')),
      "byte_size" integer not null check ("byte_size" between 1 and 10485760),
      "width" integer null check ("width" > 0),
      "height" integer null check ("height" > 0),
      "status" varchar(20) not null check ("status" in ('PENDING_UPLOAD', 'UPLOADING', 'READY', 'FAILED')),
      "content_hash" varchar(64) null,
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null,
      check ("status" <> 'READY' or ("width" is not null and "height" is not null and "content_hash" is not null))
    )`);
    this.addSql(`create index "media_owner_idx" on "media" ("owner_id", "created_at" desc, "id" desc)`);
    for (const sql of outboxTableSql) this.addSql(sql);
  }
}
