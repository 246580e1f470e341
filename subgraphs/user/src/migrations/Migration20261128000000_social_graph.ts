import { Migration } from '@mikro-orm/migrations';

/** Profiles' moderation state (suspension, closed accounts) and users following users. */
export class Migration20261128000000_social_graph extends Migration {
  override up(): void {
    this.addSql(`alter table "app_user"
      add column "suspended_at" timestamptz null,
      add column "suspended_reason" varchar(500) null,
      add column "deleted_at" timestamptz null,
      add constraint "app_user_suspension_has_reason" check (("suspended_at" is null) = ("suspended_reason" is null))`);
    // The account blocklist is rebuilt from these rows at every start; the index keeps that a short read.
    this.addSql(
      `create index "app_user_blocked_idx" on "app_user" ("id") where "suspended_at" is not null or "deleted_at" is not null`,
    );
    this.addSql(`create table "user_follow" (
      "follower_id" uuid not null references "app_user" ("id") on delete cascade deferrable initially deferred,
      "followee_id" uuid not null references "app_user" ("id") on delete cascade deferrable initially deferred,
      "created_at" timestamptz not null,
      primary key ("follower_id", "followee_id"),
      constraint "user_follow_not_self" check ("follower_id" <> "followee_id")
    )`);
    // A user's followers and a user's follows, newest first; the other id breaks ties in the same order
    // as the keyset cursor (created_at, id), so a page is read straight from the index.
    this.addSql(
      `create index "user_follow_followee_newest_idx" on "user_follow" ("followee_id", "created_at" desc, "follower_id" desc)`,
    );
    this.addSql(
      `create index "user_follow_follower_newest_idx" on "user_follow" ("follower_id", "created_at" desc, "followee_id" desc)`,
    );
  }
}
