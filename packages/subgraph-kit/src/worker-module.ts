import type { Options } from '@mikro-orm/postgresql';
import type { WorkersEventHandler } from '@curbside/event-bus';
import type { Redis } from '@curbside/redis';
import type { Logger } from '@curbside/service';
import type { LivePubSub } from './live.ts';
import type { OpenOrmOptions, Orm } from './orm.ts';

/** What the workers deployable hands a subgraph's background handlers. */
export interface WorkerDeps {
  /** The ORM on the subgraph's own database (migrated by the subgraph, never by the workers). */
  orm: Orm;
  logger: Logger;
  /** Key-prefixed Redis client. */
  redis: Redis;
  /** Live events, for handlers whose work clients see live (a new notification). */
  pubsub: LivePubSub;
  /** Where the media subgraph stores files (same machine or shared volume). */
  mediaDir: string;
}

/** A job run on a schedule (BullMQ job scheduler), rather than for an event. */
export interface ScheduledJob {
  /** Unique name, also the scheduler id. */
  name: string;
  everyMs: number;
  run(): Promise<void>;
}

/**
 * A subgraph's background work, as the workers deployable runs it: the handlers of the queues it owns (and
 * scheduled jobs), with the subgraph's own entities on its own database.
 */
export interface SubgraphWorkerModule {
  /** The subgraph, which is also the prefix of its database variable (`<NAME>_DATABASE`). */
  subgraph: string;
  entities: NonNullable<Options['entities']>;
  migrations: OpenOrmOptions['migrations'];
  /** Only handlers of queues declared `consumedBy: 'workers'` (others fail typecheck). */
  handlers(deps: WorkerDeps): WorkersEventHandler[];
  schedules?(deps: WorkerDeps): ScheduledJob[];
}
