import { Migration } from '@mikro-orm/migrations';

/** Notifications, and the copy of vendor followers they are sent to (see notification-events.ts). */
export class Migration20261206000000_notifications extends Migration {
  override up(): void {
    this.addSql(`create table "notification" (
      "id" uuid primary key,
      "recipient_id" uuid not null references "app_user" ("id") on delete cascade,
      "kind" varchar(20) not null check ("kind" in
        ('NEW_FOLLOWER', 'POST_LIKED', 'POST_COMMENTED', 'ALSO_COMMENTED', 'NEW_POST', 'VENDOR_OPENED')),
      "actor_id" uuid null references "app_user" ("id") on delete cascade,
      "post_id" uuid null,
      "vendor_id" uuid null,
      "source_event_id" uuid not null,
      "created_at" timestamptz not null,
      "read_at" timestamptz null,
      constraint "notification_once_per_event" unique ("source_event_id", "recipient_id"),
      constraint "notification_not_own_action" check ("actor_id" <> "recipient_id")
    )`);
    // A user's notifications newest first, all or unread only; id breaks ties in the order of the keyset cursor.
    // The unread one also counts the unread without reading the others.
    this.addSql(
      `create index "notification_recipient_newest_idx" on "notification" ("recipient_id", "created_at" desc, "id" desc)`,
    );
    this.addSql(
      `create index "notification_recipient_unread_idx" on "notification" ("recipient_id", "created_at" desc, "id" desc) where "read_at" is null`,
    );
    // A closed account's notifications as the actor are removed through this one.
    this.addSql(`create index "notification_actor_idx" on "notification" ("actor_id") where "actor_id" is not null`);
    this.addSql(`create table "vendor_follower_copy" (
      "vendor_id" uuid not null,
      "user_id" uuid not null,
      "following" boolean not null,
      "version" timestamptz not null,
      primary key ("vendor_id", "user_id")
    )`);
    this.addSql(`create index "vendor_follower_copy_user_idx" on "vendor_follower_copy" ("user_id")`);
  }
}
