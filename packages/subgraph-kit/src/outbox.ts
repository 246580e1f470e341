import { randomUUID } from 'node:crypto';
import { defineEntity, p, type EntityManager, type InferEntity } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import { outboxChannel, parseDomainEvent, type DomainEventName, type DomainEventPayload } from '@curbside/events';
import { currentTraceparent } from '@curbside/tracing';

/**
 * The transactional outbox: one row per domain event, written in the same transaction as the change
 * it describes, so an event exists exactly when its change was committed. A relay moves rows to the
 * queues later (`sentAt` marks the ones it has handed over).
 */
export const OutboxEvent = defineEntity({
  name: 'OutboxEvent',
  tableName: 'outbox_event',
  properties: {
    id: p.uuid().primary(),
    name: p.string(),
    payload: p.json<Record<string, unknown>>(),
    occurredAt: p.datetime(),
    sentAt: p.datetime().nullable(),
    /**
     * The W3C `traceparent` of the request (or job) that recorded the event, so that the relay and the consumer
     * continue its trace; null when tracing is off.
     */
    traceparent: p.text().nullable(),
  },
});
export type OutboxEventEntity = InferEntity<typeof OutboxEvent>;

/** DDL for the outbox table, shared by every subgraph's first migration. */
export const outboxTableSql = [
  `create table "outbox_event" (
    "id" uuid primary key,
    "name" varchar(100) not null,
    "payload" jsonb not null,
    "occurred_at" timestamptz not null,
    "sent_at" timestamptz null
  )`,
  `create index "outbox_event_unsent_idx" on "outbox_event" ("occurred_at") where "sent_at" is null`,
];

/**
 * DDL that makes every committed outbox insert wake the relays (NOTIFY is delivered at commit, so a
 * relay never looks for a row it cannot see yet). One notification per statement is enough to wake.
 */
export const outboxNotifySql = [
  `create or replace function "notify_outbox_event"() returns trigger language plpgsql as $$
   begin perform pg_notify('${outboxChannel}', ''); return null; end $$`,
  `create trigger "outbox_event_notify" after insert on "outbox_event"
   for each statement execute function "notify_outbox_event"()`,
];

/**
 * Records a domain event in the outbox of `em`'s database. It is persisted by the same flush (and so the
 * same transaction) as the entities changed with it. The payload is validated against its declared schema.
 */
export function recordEvent<Name extends DomainEventName>(
  em: EntityManager,
  name: Name,
  payload: DomainEventPayload<Name>,
): void {
  const validPayload = parseDomainEvent(name, payload) as Record<string, unknown>;
  em.create(OutboxEvent, {
    id: randomUUID(),
    name,
    payload: validPayload,
    occurredAt: new Date(),
    sentAt: null,
    traceparent: currentTraceparent(),
  });
}

/**
 * The migration every subgraph database takes after creating its outbox: committed inserts notify the
 * relays, which then need no fast polling. Shared because the outbox table is the same everywhere.
 */
export class Migration20261129000000_outbox_notify extends Migration {
  override up(): void {
    for (const sql of outboxNotifySql) this.addSql(sql);
  }
}

/**
 * The migration every subgraph database takes so that the relay's pruning finds the sent rows past their
 * retention by index, oldest first, without reading the unsent ones (which have their own partial index): all
 * of them by time, and those of the events no queue receives (kept briefly) by name and time.
 */
export class Migration20261210000000_outbox_sent_index extends Migration {
  override up(): void {
    for (const sql of outboxSentIndexSql) this.addSql(sql);
  }
}

/**
 * The migration every subgraph database takes so that an event carries the trace of the request that recorded it
 * (see `OutboxEvent.traceparent`): nullable, so rows written before it, or with tracing off, need nothing.
 */
export class Migration20261211000000_outbox_traceparent extends Migration {
  override up(): void {
    for (const sql of outboxTraceparentSql) this.addSql(sql);
  }
}

/** DDL of the outbox's trace context column (see Migration20261211000000_outbox_traceparent). */
export const outboxTraceparentSql = [`alter table "outbox_event" add column "traceparent" text null`];

/** DDL of the indexes the relay's pruning reads (see Migration20261210000000_outbox_sent_index). */
export const outboxSentIndexSql = [
  `create index "outbox_event_sent_idx" on "outbox_event" ("sent_at") where "sent_at" is not null`,
  `create index "outbox_event_sent_name_idx" on "outbox_event" ("name", "sent_at") where "sent_at" is not null`,
];
