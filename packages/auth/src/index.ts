export {
  accessTokenPolicy,
  bearerTokenOf,
  KeySetUnavailableError,
  localKeySet,
  makeAccessTokenVerifier,
  remoteKeySet,
  viewerFromHeader,
  withVerifiedTokenCache,
  type AccessTokenVerifier,
  type Role,
  type Viewer,
} from './verify.ts';
export {
  accountBlockedError,
  makeAccessTokenCheck,
  type AccessTokenCheckOptions,
  redisAccountBlocklist,
  withAccountBlocklist,
  type AccountBlock,
  type AccountBlocklist,
} from './blocklist.ts';
export { watchAccountBlocks, type AccountWatch, type AccountWatchOptions } from './account-watch.ts';
export {
  developmentGatewaySecret,
  gatewayCredentialHeader,
  gatewaySecretProblem,
  isGatewayCredential,
  minGatewaySecretLength,
} from './gateway-credential.ts';
export {
  authorizedForAnySignedInViewer,
  gatewaySubscribeExtension,
  gatewaySubscribeExtensions,
  gatewaySubscribeOf,
  maxForwardedAuthorizationLength,
  type GatewaySubscribe,
} from './gateway-subscribe.ts';
