// Quoted in examples/mcp-server/README.md ("## As a library"). The region is the README's code block,
// character for character: test/docs.test.ts type-checks this file and fails when the two differ. Edit
// both together. It does what src/main.ts does, without the environment and the signal handlers.

// #region example-mcp-server
import { startDevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { createExampleApp, loadConfig, setupAuth } from '@mcpgate/example-mcp-server';

const resource = 'http://127.0.0.1:3000/mcp';
const as = await startDevAuthorizationServer({ resource });
// the root README's variables, as an object instead of process.env (a bad one throws ConfigError)
const config = loadConfig({ MCP_RESOURCE: resource, MCP_AUTH_ISSUER: as.issuer, MCP_AUTH_STORE: 'memory' });
const setup = await setupAuth(config, as.issuer, as);      // validator, store, upstream credentials
const example = createExampleApp({ auth: setup.auth, tools: setup.tools });
const { server } = await example.listen(3000, '127.0.0.1');

// … connect an MCP client to the resource, then:
await example.close();                                     // closes the MCP sessions
server.close();
await setup.close();                                       // stops upstream polls, closes the store
await as.close();
// #endregion example-mcp-server
