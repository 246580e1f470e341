import { Migration } from '@mikro-orm/migrations';

export class Migration20261130000000_search extends Migration {
  override up(): void {
    // Trigram similarity: what lets a misspelt word ("tacso") find the document ("tacos").
    this.addSql('create extension if not exists pg_trgm');
    // The searched text and its full-text vector are generated from the columns the events write, so the
    // index can never disagree with them. Names weigh more than bodies (A over B).
    this.addSql(`create table "search_document" (
      "type" varchar(10) not null check ("type" in ('USER', 'VENDOR', 'POST')),
      "id" uuid not null,
      "owner_id" uuid not null,
      "handle" text null,
      "name" text null,
      "body" text not null default '',
      "version" timestamptz not null,
      "deleted_at" timestamptz null,
      "document" tsvector generated always as (
        setweight(to_tsvector('english', coalesce("handle", '') || ' ' || coalesce("name", '')), 'A') ||
        setweight(to_tsvector('english', "body"), 'B')
      ) stored,
      "search_text" text generated always as (
        coalesce("handle", '') || ' ' || coalesce("name", '') || ' ' || "body"
      ) stored,
      primary key ("type", "id")
    )`);
    this.addSql(
      `create index "search_document_fulltext_idx" on "search_document" using gin ("document") where "deleted_at" is null`,
    );
    this.addSql(
      `create index "search_document_trigram_idx" on "search_document" using gin ("search_text" gin_trgm_ops)
       where "deleted_at" is null`,
    );
    this.addSql(`create index "search_document_owner_idx" on "search_document" ("owner_id")`);
    this.addSql(`create table "search_closed_account" (
      "user_id" uuid primary key,
      "closed_at" timestamptz not null
    )`);
  }
}
