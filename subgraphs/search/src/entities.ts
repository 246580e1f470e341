import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { NodeType } from '@curbside/subgraph-kit';

/** What a document is: the owning subgraph's entity type, as the schema's SearchType names it. */
export type DocumentType = 'USER' | 'VENDOR' | 'POST';

/**
 * One searchable user, vendor or post, written only from its owner's events. `version` is the time of the
 * last event applied: an older event arriving late changes nothing. A deleted vendor or post stays as a
 * tombstone (`deletedAt`, text cleared) so that a late event cannot bring it back. The full-text vector and
 * the trigram text are generated columns (see the migration), not mapped here.
 */
export const SearchDocument = defineEntity({
  name: 'SearchDocument',
  tableName: 'search_document',
  properties: {
    type: p.string().$type<DocumentType>().primary(),
    id: p.uuid().primary(),
    /** The user whose account closure removes it: the user themself, a vendor's owner, a post's author. */
    ownerId: p.uuid(),
    /** A user's username (never changes). */
    handle: p.text().nullable(),
    /** A user's display name or a vendor's name. */
    name: p.text().nullable(),
    /** A user's bio, a vendor's description or a post's text. */
    body: p.text(),
    version: p.datetime(),
    deletedAt: p.datetime().nullable(),
  },
});
export type SearchDocumentEntity = InferEntity<typeof SearchDocument>;

/**
 * A closed account: nothing it owns is ever indexed again, whatever events arrive late. Closing an account is
 * final (the user subgraph keeps the row, so the id is never reused).
 */
export const ClosedAccount = defineEntity({
  name: 'ClosedAccount',
  tableName: 'search_closed_account',
  properties: {
    userId: p.uuid().primary(),
    closedAt: p.datetime(),
  },
});
export type ClosedAccountEntity = InferEntity<typeof ClosedAccount>;

/**
 * A reference to an entity another subgraph resolves; `__typename` picks the member of SearchResult or the
 * implementation of Node. Keyed by `nodeKey` (the entity's id), a key clients cannot select: whatever they select
 * comes from the owner, which alone says whether the object exists and whether the viewer may see it.
 */
export interface ResultReference {
  __typename: NodeType;
  nodeKey: string;
}

/** A reference to what a search can find: a member of SearchResult. */
export interface SearchResultReference extends ResultReference {
  __typename: 'User' | 'Vendor' | 'Post';
}

/** One row of a search's results. */
export interface SearchHitRow {
  score: number;
  node: SearchResultReference;
}

export const entities = [SearchDocument, ClosedAccount];
