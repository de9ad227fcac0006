// Quoted in examples/dev-authorization-server/README.md ("## API"). The region is the README's code block,
// character for character: test/docs.test.ts type-checks this file and fails when the two differ. Edit
// both together.

// Not shown in the README: values the surrounding flow provides.
declare const url: URL;                             // the authorization URL the MCP SDK client hands to redirectToAuthorization
declare const verificationUriComplete: string;      // from the device authorization response
declare const opaqueAccessOrRefreshToken: string;   // a token the dev AS issued

// #region dev-authorization-server
import {
  startDevAuthorizationServer,
  authorizeInBrowser,
  approveDeviceCode,
  obtainUserToken,
} from '@mcpgate/example-dev-authorization-server';

const as = await startDevAuthorizationServer({
  resource: 'http://127.0.0.1:3000/mcp', // the MCP server's canonical URI = token audience
  // port: 0, host: '127.0.0.1', extraResources: [], scopes: ['mcp:tools', 'mcp:admin'],
  // accessTokenFormat: 'jwt', accessTokenTtlSeconds: 3600, refreshTokenTtlSeconds: 1209600,
  // upstreamAccessTokenTtlSeconds: 3600, users: { alice: {...}, bob: {...} }
});
console.log(as.issuer); // http://127.0.0.1:54321

// With the MCP SDK client: auth(provider, { serverUrl }) returns 'REDIRECT' and calls
// provider.redirectToAuthorization(url). Instead of a browser:
const callback = await authorizeInBrowser(url, { login: 'alice' }); // http://localhost:PORT/callback?code=…&state=…&iss=…
// then auth(provider, { serverUrl, authorizationCode: callback.searchParams.get('code')! })

// Or the whole authorization-code flow without an MCP client (DCR, PKCE, resource, consent, code exchange):
const { access_token, refresh_token } = await obtainUserToken(as.issuer, { resource: 'http://127.0.0.1:3000/mcp', login: 'alice' });

// Device flow (RFC 8628) for the upstream client:
// POST /device/auth with client_id = as.deviceClient.clientId, scope 'openid offline_access profile email'
await approveDeviceCode(verificationUriComplete, { login: 'alice' });

as.stats;            // { introspections, refreshGrants, deviceCodeGrants, tokenRequests, reset() }
as.signingKeys;      // { privateJwk, publicJwk, kid, alg: 'RS256' } — forge tokens signed by the real key
await as.revoke(opaqueAccessOrRefreshToken); // JWT access tokens cannot be revoked (DEV_AS_JWT_NOT_REVOCABLE)
await as.close();
// #endregion dev-authorization-server
