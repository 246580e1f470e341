import { Migration } from '@mikro-orm/migrations';

export class Migration20261130100000_media_processing extends Migration {
  override up(): void {
    this.addSql(`alter table "media"
      drop constraint "media_status_check",
      drop constraint "media_check",
      add column "thumbnail_hash" varchar(64) null,
      add column "failure_reason" varchar(500) null`);
    // Media already READY were served as uploaded (metadata such as GPS included) and have no thumbnail:
    // they go through processing like a new upload. Until then they are not served; the processing job
    // reads their bytes from the served file, since they have no separate original.
    this.addSql(`insert into "outbox_event" ("id", "name", "payload", "occurred_at", "sent_at")
      select gen_random_uuid(), 'media.received',
        jsonb_build_object('mediaId', "id", 'ownerId', "owner_id", 'contentType', "content_type", 'byteSize', "byte_size"),
        now(), null
      from "media" where "status" = 'READY'`);
    this.addSql(`update "media" set "status" = 'PROCESSING', "content_hash" = null, "updated_at" = now()
      where "status" = 'READY'`);
    this.addSql(`alter table "media"
      add constraint "media_status_check"
        check ("status" in ('PENDING_UPLOAD', 'UPLOADING', 'PROCESSING', 'READY', 'FAILED')),
      add constraint "media_ready_check" check ("status" <> 'READY' or (
        "width" is not null and "height" is not null and "content_hash" is not null and "thumbnail_hash" is not null)),
      add constraint "media_failure_reason_iff_failed" check (("status" = 'FAILED') = ("failure_reason" is not null))`);
    // The hourly sweep of uploads never completed reads the old ones of these, and only these.
    this.addSql(`create index "media_unfinished_upload_idx" on "media" ("created_at")
      where "status" in ('PENDING_UPLOAD', 'UPLOADING')`);
  }
}
