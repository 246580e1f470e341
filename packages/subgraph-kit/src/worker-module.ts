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
  /** Where the media subgraph stores files: the same store as the media subgraph's. */
  mediaStore: MediaStoreConfig;
}

/**
 * Where the media subgraph and the workers keep media files: a local folder (one machine, or a volume both
 * mount), or a bucket on an S3-compatible object store (AWS S3, MinIO, R2, ...). Credentials of a bucket come
 * from the AWS SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, an instance role).
 */
export type MediaStoreConfig =
  | { kind: 'local'; /** Absolute folder of the files (created if missing). */ dir: string }
  | {
      kind: 's3';
      bucket: string;
      region: string;
      /** Another service than AWS S3 (MinIO, R2, ...), such as `http://127.0.0.1:9000`. Default AWS's. */
      endpoint?: string | undefined;
      /** `<endpoint>/<bucket>/<key>` rather than `<bucket>.<endpoint>/<key>` (MinIO and most self-hosted stores). */
      forcePathStyle: boolean;
      /** Default: the AWS SDK's chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, an instance role). */
      credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
    };

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
