/**
 * The example's state-handle tools: `remember` seals a short value into a handle for the caller, and
 * `recall` gives it back, to the same user only. A handle is "a name, not a capability" (MCP
 * 2026-07-28, server/tools §Stateful Tools): it is sealed with AES-256-GCM on mcpgate's key ring
 * (`createStateCodec`), bound to the caller's issuer and subject, to the purpose `remember` and to an
 * expiry, so another user, an expired handle or an altered one gets an error result, never the value.
 *
 * The logic is framework-neutral ({@link createStateTools}: functions of (arguments, principal) returning
 * the tool result), so an SDK 2.x server registers the same tools with its own `registerTool`;
 * {@link registerStateTools} is the SDK 1.x registration.
 */
import { authInfoOf, createSealer, createStateCodec, generateEncryptionKey, principalOf, type Sealer, type StateOwner } from '@mcpgate/core';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';

/** The largest value `remember` keeps: 1 KiB of UTF-8. */
export const MAX_REMEMBERED_BYTES = 1024;
/** How long a handle stays valid unless {@link StateToolsOptions.ttlSeconds} says otherwise: one hour. */
export const DEFAULT_HANDLE_TTL_SECONDS = 3600;
/** The purpose handles are sealed for: a state sealed by another feature with the same key does not open here. */
export const HANDLE_PURPOSE = 'remember';

/** A tool result both SDK majors accept (`CallToolResult`; a type alias, so it meets their index signatures). */
export type StateToolResult = {
  content: Array<{ type: 'text'; text: string }>;
  isError?: boolean;
};

/** The tools' logic, independent of the MCP SDK: the arguments as the client sent them, and the verified caller. */
export interface StateTools {
  /** Seals `args.value` (a string of at most 1 KiB) for `principal`; the result's text is the handle. */
  remember(args: { readonly value?: unknown }, principal: StateOwner | undefined): StateToolResult;
  /** The value behind `args.handle`, when `principal` is the user it was sealed for and it has not expired. */
  recall(args: { readonly handle?: unknown }, principal: StateOwner | undefined): StateToolResult;
}

/** Options of {@link createStateTools}. */
export interface StateToolsOptions {
  /** The key ring (`auth.sealer`). Undefined (a memory store without `encryptionKey`): a key made for this process, so handles do not survive a restart or open on another instance. */
  readonly sealer?: Sealer | undefined;
  /** Lifetime of a handle, in seconds. Default 3600. */
  readonly ttlSeconds?: number;
}

/**
 * Names, descriptions and input schemas (zod 4 objects, accepted by SDK 1.x and 2.x `registerTool`; built once:
 * an SDK 2.x server registers its tools on every request, and a raw shape would be wrapped anew each time).
 */
export const stateToolDefinitions = {
  remember: {
    description:
      'Remembers a short text for you: returns a handle (an opaque string) that recall turns back into the text. ' +
      'Only you can recall it, for one hour.',
    inputSchema: z.object({ value: z.string().describe('the text to remember, at most 1 KiB (1024 bytes of UTF-8)') }),
  },
  recall: {
    description: 'Returns the text behind a handle that remember gave you. A handle given to someone else, expired or altered is refused.',
    inputSchema: z.object({ handle: z.string().describe('a handle returned by remember') }),
  },
} as const;

const text = (value: string, isError = false): StateToolResult => ({ content: [{ type: 'text', text: value }], ...(isError ? { isError: true } : {}) });

const NOT_AUTHENTICATED = 'remember and recall need an authenticated caller: a handle belongs to a user.';
const TOO_LARGE = `value must be a string of at most ${MAX_REMEMBERED_BYTES} bytes (UTF-8).`;
const NOT_A_HANDLE = 'This is not a handle returned by remember.';
const NOT_YOURS = 'This handle is not valid for you: it was given to another user, sealed with a key this server no longer has, or altered. Nothing was recalled.';
const EXPIRED = 'This handle has expired: call remember again to get a new one.';

let processSealer: Sealer | undefined;

/** A key made once per process, for servers without `auth.sealer`. */
function sealerOfThisProcess(): Sealer {
  processSealer ??= createSealer(generateEncryptionKey());
  return processSealer;
}

/**
 * The `remember` / `recall` logic. Register it with any SDK:
 *
 * @example
 * ```ts
 * const state = createStateTools({ sealer: auth.sealer });
 * server.registerTool('remember', stateToolDefinitions.remember, async (args, ctx) => state.remember(args, principalOf(ctx)));
 * server.registerTool('recall', stateToolDefinitions.recall, async (args, ctx) => state.recall(args, principalOf(ctx)));
 * ```
 */
export function createStateTools(options: StateToolsOptions = {}): StateTools {
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_HANDLE_TTL_SECONDS;
  const codec = createStateCodec({ sealer: options.sealer ?? sealerOfThisProcess(), ttlSeconds });
  return {
    remember(args, principal) {
      if (principal === undefined) return text(NOT_AUTHENTICATED, true);
      const value = args?.value;
      if (typeof value !== 'string' || Buffer.byteLength(value, 'utf8') > MAX_REMEMBERED_BYTES) return text(TOO_LARGE, true);
      return text(codec.seal(value, principal, { purpose: HANDLE_PURPOSE }));
    },
    recall(args, principal) {
      if (principal === undefined) return text(NOT_AUTHENTICATED, true);
      const handle = args?.handle;
      if (typeof handle !== 'string') return text(NOT_A_HANDLE, true);
      let value: unknown;
      try {
        value = codec.open(handle, principal, { purpose: HANDLE_PURPOSE });
      } catch (error) {
        const reason = (error as { code?: unknown; reason?: unknown }).code === 'ERR_INVALID_STATE' ? (error as { reason: unknown }).reason : undefined;
        if (reason === 'expired') return text(EXPIRED, true);
        if (reason === 'malformed') return text(NOT_A_HANDLE, true);
        if (reason === 'invalid') return text(NOT_YOURS, true);
        throw error;
      }
      // sealed by remember, so a string; anything else was sealed by something else under this purpose
      return typeof value === 'string' ? text(value) : text(NOT_A_HANDLE, true);
    },
  };
}

/** The caller of an SDK 1.x tool call (`extra`), or undefined when the server runs without authentication. */
function callerOf(extra: Parameters<typeof authInfoOf>[0]): StateOwner | undefined {
  return authInfoOf(extra) === undefined ? undefined : principalOf(extra);
}

/** Registers `remember` and `recall` on an SDK 1.x `McpServer`. */
export function registerStateTools(server: McpServer, tools: StateTools): void {
  server.registerTool('remember', stateToolDefinitions.remember, async (args, extra) => tools.remember(args, callerOf(extra)));
  server.registerTool('recall', stateToolDefinitions.recall, async (args, extra) => tools.recall(args, callerOf(extra)));
}
