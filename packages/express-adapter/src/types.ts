import type { AuthInfo } from '@mcpgate/core';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `requireMcpAuth()`: the SDK's `AuthInfo`, which tool handlers receive as `extra.authInfo`. */
    auth?: AuthInfo;
  }
}

export {};
