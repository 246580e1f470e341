import { Migration } from '@mikro-orm/migrations';

/** The feed's copy of who follows whom, fed by the user and vendor subgraphs' events (see follow-copy.ts). */
export class Migration20261206000000_follow_copy extends Migration {
  override up(): void {
    // The primary keys start with the follower: the feed reads one viewer's follows from them.
    this.addSql(`create table "user_follow_copy" (
      "follower_id" uuid not null,
      "followee_id" uuid not null,
      "following" boolean not null,
      "version" timestamptz not null,
      primary key ("follower_id", "followee_id")
    )`);
    // A closed account's followers are removed through this one.
    this.addSql(`create index "user_follow_copy_followee_idx" on "user_follow_copy" ("followee_id")`);
    this.addSql(`create table "vendor_follow_copy" (
      "user_id" uuid not null,
      "vendor_id" uuid not null,
      "following" boolean not null,
      "version" timestamptz not null,
      primary key ("user_id", "vendor_id")
    )`);
    this.addSql(`create table "closed_account_copy" (
      "user_id" uuid primary key,
      "closed_at" timestamptz not null
    )`);
  }
}
