// Quoted in packages/upstream/README.md (the usage example and "A refresher of your own"). The regions are
// the README's code blocks, character for character: test/docs.test.ts type-checks this file and fails
// when the two differ. Edit both together.
import type { McpAuth } from '@mcpgate/core';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

// Not shown in the README: the resource server (createMcpAuth, see core.ts), the MCP server, and the
// client library of the upstream API, which takes an access token.
declare const auth: McpAuth;
declare const server: McpServer;
declare function calendarClient(accessToken: string): { upcomingEvents(): Promise<string[]> };

// #region upstream
import { isMcpAuthError, principalOf } from '@mcpgate/core';
import { createUpstreamCredentials } from '@mcpgate/upstream';

const upstream = createUpstreamCredentials({
  store: auth.store,                                  // createMcpAuth's store: shared by every instance
  sealer: auth.sealer,                                // required when that store is persistent
  issuer: 'https://login.example.com',                // token and device endpoints are discovered
  clientId: 'mcp-upstream',                           // allowed the device grant and refresh_token
  logger: console,
});

server.registerTool('connect_calendar', { description: 'Connect your calendar account' }, async (extra) => {
  const prompt = await upstream.startDeviceAuthorization(principalOf(extra)); // polling goes on in the background
  const link = prompt.verification_uri_complete ?? `${prompt.verification_uri} (code ${prompt.user_code})`;
  return { content: [{ type: 'text', text: `Open ${link} within ${prompt.expires_in} seconds.` }] };
});

server.registerTool('next_events', { description: 'Your next calendar events' }, async (extra) => {
  const user = principalOf(extra);
  const token = await upstream.accessToken(user).catch((error: unknown) => {
    if (isMcpAuthError(error) && error.code === 'ERR_RECONNECT_REQUIRED') return undefined;
    throw error;                                      // ERR_UNAVAILABLE: the upstream server or the store is down
  });
  if (token === undefined) return { isError: true, content: [{ type: 'text', text: 'Run connect_calendar first.' }] };
  const events = await calendarClient(token).upcomingEvents();
  return { content: [{ type: 'text', text: events.join('\n') }] };
});

server.registerTool('disconnect_calendar', { description: 'Forget your calendar account' }, async (extra) => {
  await upstream.disconnect(principalOf(extra));       // the tokens stay valid upstream until they expire
  return { content: [{ type: 'text', text: 'Disconnected.' }] };
});
// #endregion upstream

// #region upstream-refresher
import { refreshTokenRefresher } from '@mcpgate/upstream';

const tokenEndpoint = 'https://login.partner.example/oauth/token';
const refreshGrant = refreshTokenRefresher({ tokenEndpoint, clientId: 'mcp-upstream', clientSecret: process.env.PARTNER_SECRET });
let refreshes = 0;

const partner = createUpstreamCredentials({
  store: auth.store, sealer: auth.sealer, issuer: 'https://login.partner.example', clientId: 'mcp-upstream',
  clientSecret: process.env.PARTNER_SECRET,
  endpoints: { tokenEndpoint, deviceAuthorizationEndpoint: 'https://login.partner.example/oauth/device' }, // nothing discovered
  refresher: {
    refresh: (current, options) => {
      refreshes += 1;                                 // runs on one instance at a time, under the refresh lock
      return refreshGrant.refresh(current, options);
    },
  },
});
// #endregion upstream-refresher
