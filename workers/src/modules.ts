import type { SubgraphWorkerModule } from '@curbside/subgraph-kit';
import { mediaWorkerModule } from '@curbside/media-subgraph';
import { postWorkerModule } from '@curbside/post-subgraph';
import { searchWorkerModule } from '@curbside/search-subgraph';
import { userWorkerModule } from '@curbside/user-subgraph';
import { vendorWorkerModule } from '@curbside/vendor-subgraph';

/**
 * The subgraphs whose background work this deployable runs, each with its own handlers and database. A
 * subgraph's module lives in its own package (its code, its entities); this list only assembles them.
 */
export const workerModules: SubgraphWorkerModule[] = [
  postWorkerModule,
  userWorkerModule,
  searchWorkerModule,
  mediaWorkerModule,
  vendorWorkerModule,
];
