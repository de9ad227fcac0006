import type { DevAuthorizationServerStats, KoaMiddleware } from './types.js';

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export function createStats(): DevAuthorizationServerStats {
  const stats: DevAuthorizationServerStats = {
    introspections: 0,
    refreshGrants: 0,
    deviceCodeGrants: 0,
    tokenRequests: 0,
    reset() {
      stats.introspections = 0;
      stats.refreshGrants = 0;
      stats.deviceCodeGrants = 0;
      stats.tokenRequests = 0;
    },
  };
  return stats;
}

export function createStatsMiddleware(stats: DevAuthorizationServerStats): KoaMiddleware {
  return async (ctx, next) => {
    await next();
    const route: unknown = ctx.oidc?.route;
    if (route === 'introspection') {
      stats.introspections += 1;
    } else if (route === 'token') {
      stats.tokenRequests += 1;
      const grantType: unknown = ctx.oidc?.params?.grant_type;
      if (grantType === 'refresh_token') stats.refreshGrants += 1;
      if (grantType === DEVICE_CODE_GRANT) stats.deviceCodeGrants += 1;
    }
  };
}

export function createMetadataAliasMiddleware(): KoaMiddleware {
  return async (ctx, next) => {
    if (ctx.path === '/.well-known/oauth-authorization-server') {
      ctx.path = '/.well-known/openid-configuration';
    }
    return next();
  };
}
