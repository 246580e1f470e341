import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { OutboxEvent } from '@curbside/subgraph-kit';

export const allowedContentTypes = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'] as const;
export type AllowedContentType = (typeof allowedContentTypes)[number];

/**
 * Stored states. `UPLOADING` is internal: the one PUT that claimed the upload URL holds it while the
 * bytes arrive; the schema shows it as PENDING_UPLOAD, and a failed upload puts it back to PENDING_UPLOAD.
 * A successful upload makes it PROCESSING (the bytes are kept privately, never served); the processing
 * job then makes it READY (served without metadata, with a thumbnail) or FAILED (`failureReason`).
 */
export const mediaStatuses = ['PENDING_UPLOAD', 'UPLOADING', 'PROCESSING', 'READY', 'FAILED'] as const;
export type StoredMediaStatus = (typeof mediaStatuses)[number];

export const Media = defineEntity({
  name: 'Media',
  tableName: 'media',
  properties: {
    id: p.uuid().primary(),
    /** The user (owned by the user subgraph) who created the upload. */
    ownerId: p.uuid(),
    /** The client's file name, kept for information only: storage uses the id. */
    filename: p.string(),
    contentType: p.enum(allowedContentTypes),
    /** Declared at createUpload; the upload must be exactly this long. */
    byteSize: p.integer(),
    /** Pixels as displayed (EXIF orientation applied); null until the bytes arrived. */
    width: p.integer().nullable(),
    height: p.integer().nullable(),
    status: p.enum(mediaStatuses),
    /** SHA-256 of the served bytes (hex), the ETag; null until READY. */
    contentHash: p.string().nullable(),
    /** SHA-256 of the thumbnail (hex), its ETag; null until READY. */
    thumbnailHash: p.string().nullable(),
    /** Why processing failed, for the owner; set exactly when FAILED. */
    failureReason: p.string().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type MediaEntity = InferEntity<typeof Media>;

/** A user as this subgraph knows it: only the key; the user subgraph owns the rest. */
export interface UserReference {
  id: string;
}

export const entities = [Media, OutboxEvent];
