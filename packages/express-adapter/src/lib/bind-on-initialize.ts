import type { McpAuth, Principal } from '@mcpgate/core';
import type { Response } from 'express';

type Call = ['write' | 'end' | 'flushHeaders', unknown[]];

function sessionIdIn(headers: unknown): string | undefined {
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === 'mcp-session-id') return String(headers[i + 1]);
    }
    return undefined;
  }
  if (typeof headers === 'object' && headers !== null) {
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === 'mcp-session-id') return String(v);
  }
  return undefined;
}

/**
 * Watches the response to a request that carried no session id. When the MCP transport mints one
 * (`Mcp-Session-Id` on a 2xx response), the response is held until the binding is stored, so the
 * client can never use the id before it is bound; a failed store turns the response into a 503.
 *
 * Why a `writeHead` patch rather than the transport's `onsessioninitialized` hook: SDK 1.32 does await
 * that hook before it answers, so an application that wires `auth.bindSession` into it gets
 * bind-before-reveal too; but the hook belongs to the application's transport, which `requireMcpAuth`
 * neither builds nor sees, so the adapter cannot guarantee it is wired (nor that a failed bind becomes a
 * 503 rather than the transport's 500). Every SDK 1.x transport announces the id through `writeHead`,
 * which the adapter does see. (SDK 2.x `createMcpHandler` mints no session ids: nothing to bind.)
 */
export function bindSessionOnResponse(auth: McpAuth, res: Response, principal: Principal): void {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end, flushHeaders: res.flushHeaders };
  res.writeHead = function writeHead(this: Response, statusCode: number, ...rest: unknown[]) {
    res.writeHead = original.writeHead;
    const headers = rest.length > 1 ? rest[1] : rest[0];
    const sessionId = sessionIdIn(headers) ?? (res.getHeader('mcp-session-id') as string | undefined);
    if (sessionId === undefined || statusCode >= 300) {
      return (original.writeHead as (...a: unknown[]) => Response).call(res, statusCode, ...rest);
    }
    const queue: Call[] = [];
    res.write = ((...args: unknown[]) => {
      queue.push(['write', args]);
      return true;
    }) as Response['write'];
    res.end = ((...args: unknown[]) => {
      queue.push(['end', args]);
      return res;
    }) as Response['end'];
    res.flushHeaders = () => {
      queue.push(['flushHeaders', []]);
    };
    const restore = (): void => {
      res.write = original.write;
      res.end = original.end;
      res.flushHeaders = original.flushHeaders;
    };
    auth
      .bindSession(sessionId, principal)
      .then(
        () => {
          restore();
          if (res.destroyed) return;
          (original.writeHead as (...a: unknown[]) => Response).call(res, statusCode, ...rest);
          for (const [method, args] of queue) (original[method] as (...a: unknown[]) => unknown).apply(res, args);
        },
        (error: unknown) => {
          restore();
          if (res.destroyed) return;
          const answer = auth.errorResponse(error);
          res.removeHeader('mcp-session-id');
          (original.writeHead as (...a: unknown[]) => Response).call(res, answer.status, { ...answer.headers, 'Content-Type': 'application/json' });
          (original.end as (chunk: string) => Response).call(res, JSON.stringify(answer.body));
        },
      )
      .catch(() => {
        res.destroy();
      });
    return res;
  } as Response['writeHead'];
}
