import type { McpAuth } from '@mcpgate/core';
import type { PlainAnswer } from '@mcpgate/core/internal';
import type { Response } from 'express';

/**
 * Answers an mcpgate error with its status, challenge headers and JSON body. Never throws: when an answer
 * can no longer be written (headers already sent, a throwing logger), the connection is destroyed.
 * `closeConnection` adds `Connection: close`, for answers given before the request body was read.
 */
export function sendError(auth: McpAuth, res: Response, error: unknown, closeConnection = false): void {
  try {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const answer = auth.errorResponse(error);
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.setHeader('Content-Type', 'application/json');
    if (closeConnection) res.setHeader('Connection', 'close');
    res.statusCode = answer.status;
    res.end(JSON.stringify(answer.body));
  } catch {
    res.destroy();
  }
}

/** Sends a framework-neutral answer (`discoveryAnswer` and the like). */
export function sendAnswer(res: Response, answer: PlainAnswer): void {
  res.set(answer.headers as Record<string, string>);
  res.statusCode = answer.status;
  res.end(answer.body);
}
