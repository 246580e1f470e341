export {
  startStack,
  subgraphNames,
  postgresUrl,
  redisUrl,
  testDatabasePrefix,
  type StackOptions,
  type TestStack,
  type SubgraphName,
} from './stack.ts';
export { graphql, dataOf, registerUser, type GraphQLResponse } from './client.ts';
export { SqlRecorder } from './sql-recorder.ts';
export { queryRows } from './database.ts';
export { waitFor } from './wait.ts';
export {
  createVendorSeenBy,
  createVendorSeenByLocation,
  registerAdmin,
  signAccessToken,
  type Account,
} from './actors.ts';
export {
  disposeLiveClients,
  endCode,
  liveClient,
  openLiveClients,
  refusal,
  subscribe,
  withEventId,
  type Live,
} from './live-client.ts';
export { startProcess, stopProcess, type ServiceProcess } from './processes.ts';
export { startProcessStack, type ProcessStack } from './process-stack.ts';
export { startPrivateRedis, type PrivateRedis } from './private-redis.ts';
export {
  createPost,
  createVendorSeenByPost,
  setFollowingUser,
  setFollowingVendor,
  waitForFollowCopy,
} from './social.ts';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
export { multipartParts } from './multipart-client.ts';
