export { createCurbsideClient, createCurbsideLink } from './links.ts';
export type { CurbsideClient, CurbsideClientOptions, CurbsideLink, CurbsideLinkOptions } from './links.ts';
export { resumableSubscriptions, type ResumableSubscriptionsOptions } from './resumable-subscriptions.ts';
export { resumableMultipartLink, type ResumableMultipartOptions } from './resumable-multipart.ts';
export {
  asksToResubscribe,
  backoff,
  defaultRetryAttempts,
  resubscribeCodes,
  type ReconnectOptions,
} from './reconnect.ts';
export { errorCodeOf } from './errors.ts';
export { documentIdOf, sendTrustedDocuments, trustedDocuments, trustedDocumentsLink } from './trusted-documents.ts';
export * from './operations.ts';
export type * from './gql/graphql.ts';
