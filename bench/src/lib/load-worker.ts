/**
 * Child process that generates HTTP load with autocannon, so the load generator does not share the
 * servers' event loop (and, on a 2-core machine, runs on the other core). Messages: LoadRequest in,
 * LoadReply out.
 */
import autocannon from 'autocannon';

export interface LoadRequest {
  readonly id: number;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly maxRequests: number;
}

export interface LoadReply {
  readonly id: number;
  readonly error?: string;
  readonly requests?: number;
  readonly seconds?: number;
  readonly rps?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly non2xx?: number;
  readonly errors?: number;
  readonly timeouts?: number;
}

let counter = 0;

process.on('message', (message: LoadRequest) => {
  // A unique JSON-RPC id per request (the SDK transport routes answers by id), Content-Length exact.
  const [head, tail] = message.body.split('"[<id>]"') as [string, string | undefined];
  autocannon(
    {
      url: message.url,
      method: 'POST',
      headers: message.headers,
      body: message.body,
      requests: [
        {
          setupRequest: (request) => (tail === undefined ? request : { ...request, body: `${head}${++counter}${tail}` }),
        },
      ],
      connections: message.connections,
      duration: message.durationSeconds,
      maxOverallRequests: message.maxRequests,
      timeout: 10,
    },
    (error, result) => {
      const reply: LoadReply = error
        ? { id: message.id, error: error.message }
        : {
            id: message.id,
            requests: result.requests.total,
            seconds: result.duration,
            rps: result.requests.total / result.duration,
            p50Ms: result.latency.p50,
            p99Ms: result.latency.p99,
            non2xx: result.non2xx,
            errors: result.errors,
            timeouts: result.timeouts,
          };
      process.send?.(reply);
    },
  );
});
process.on('disconnect', () => process.exit(0));
