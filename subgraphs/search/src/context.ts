import type { BaseRequestContext } from '@curbside/subgraph-kit';

/** No per-request loaders: a search is one query, and the owning subgraphs resolve what it finds. */
export type RequestContext = BaseRequestContext;

export const createContext = (base: BaseRequestContext): RequestContext => base;
