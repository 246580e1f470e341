import { Migration } from '@mikro-orm/migrations';
import { outboxTableSql } from '@curbside/subgraph-kit';

/**
 * Foreign keys are checked at commit (deferrable): entities refer to each other by id, not by ORM
 * relation, so the unit of work may insert a token before its user within one transaction.
 */
export class Migration20261121000000_accounts extends Migration {
  override up(): void {
    this.addSql(`create table "app_user" (
      "id" uuid primary key,
      "email" varchar(320) not null,
      "username" varchar(30) not null,
      "display_name" varchar(100) not null,
      "bio" text null,
      "password_hash" varchar(255) not null,
      "role" varchar(10) not null default 'USER' check ("role" in ('USER', 'ADMIN')),
      "created_at" timestamptz not null,
      "updated_at" timestamptz not null
    )`);
    this.addSql(`create unique index "app_user_email_unique" on "app_user" ("email")`);
    this.addSql(`create unique index "app_user_username_unique" on "app_user" ("username")`);
    this.addSql(`create table "refresh_token" (
      "id" uuid primary key,
      "family_id" uuid not null,
      "user_id" uuid not null references "app_user" ("id") on delete cascade deferrable initially deferred,
      "token_hash" varchar(64) not null,
      "expires_at" timestamptz not null,
      "used_at" timestamptz null,
      "revoked_at" timestamptz null,
      "created_at" timestamptz not null
    )`);
    this.addSql(`create unique index "refresh_token_hash_unique" on "refresh_token" ("token_hash")`);
    this.addSql(`create index "refresh_token_family_idx" on "refresh_token" ("family_id")`);
    this.addSql(`create table "signing_key" (
      "kid" varchar(64) primary key,
      "public_jwk" jsonb not null,
      "private_jwk" jsonb not null,
      "created_at" timestamptz not null
    )`);
    for (const sql of outboxTableSql) this.addSql(sql);
  }
}
