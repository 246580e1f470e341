import { defineEventHandler } from '@curbside/event-bus';
import type { SubgraphWorkerModule, WorkerDeps } from '@curbside/subgraph-kit';
import {
  processReceivedMedia,
  removeAccountMedia,
  removeUnfinishedUploads,
  type MediaBackgroundDeps,
} from './background.ts';
import { entities } from './entities.ts';
import { migrations } from './migrations/index.ts';
import { makeMediaStorage } from './media-store.ts';

/** The scheduler id of the sweep of unfinished uploads, run every hour. */
export const unfinishedUploadsSchedule = 'media.remove-unfinished-uploads';

const backgroundDeps = (deps: WorkerDeps): MediaBackgroundDeps => ({
  orm: deps.orm,
  storage: makeMediaStorage(deps.mediaStore),
  logger: deps.logger,
  pubsub: deps.pubsub,
});

/**
 * The media subgraph's background work: image processing, a closed account's media, and the sweep of uploads
 * never completed.
 */
export const mediaWorkerModule: SubgraphWorkerModule = {
  subgraph: 'media',
  entities,
  migrations,
  handlers(deps) {
    const background = backgroundDeps(deps);
    return [
      defineEventHandler({
        queue: 'media.process',
        // Decoding is CPU- and memory-heavy (libvips also uses a thread per core): two images at a time.
        concurrency: 2,
        handle: (event) => processReceivedMedia(background, event.payload.mediaId),
      }),
      defineEventHandler({
        queue: 'media.account-cleanup',
        handle: (event) => removeAccountMedia(background, event.payload.userId).then(() => undefined),
      }),
    ];
  },
  schedules(deps) {
    const background = backgroundDeps(deps);
    return [
      {
        name: unfinishedUploadsSchedule,
        everyMs: 3_600_000, // 1 hour: an unfinished upload goes between 24 and 25 hours after createUpload
        run: () => removeUnfinishedUploads(background).then(() => undefined),
      },
    ];
  },
};
