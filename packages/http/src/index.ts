export {
  defaultBodyLimitBytes,
  BodyTooLargeError,
  readBody,
  requestIdOf,
  InvalidBodyEncodingError,
  badRequestMessage,
  decodeUtf8,
  checkQueryStringEncoding,
  headerMapOf,
  toGraphQLRequest,
  writeGraphQLResponse,
  sendJson,
  sendGraphQLError,
  sendCodedJson,
  listen,
  closeServer,
  sendJwks,
} from './node-http.ts';
export { serveGraphQLOverHttp, type GraphQLEntryOptions, type HttpCaller } from './graphql-entry.ts';
export { clientFacingError, maskedError, replacedError, requestIdPlugin } from './apollo.ts';
export { selectsViewerDependentField, viewerDependentDirective } from './viewer-dependence.ts';
