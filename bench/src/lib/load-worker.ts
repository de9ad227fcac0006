/**
 * Child process that generates HTTP load with autocannon, so the load generator does not share the
 * servers' event loop (and, on a 2-core machine, runs on the other core). Messages: LoadRequest in,
 * LoadReply out.
 */
import autocannon, { type RequestData } from 'autocannon';
import { makeProofs, type DpopProofSpec } from './dpop.js';

export interface LoadRequest {
  readonly id: number;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly maxRequests: number;
  /**
   * Every request carries a fresh DPoP proof: `count` proofs are made (jose) before autocannon starts, so
   * signing is not in the measured time; the round ends early if they run out (`proofsExhausted`).
   */
  readonly dpop?: { readonly spec: DpopProofSpec; readonly count: number };
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
  /** DPoP rounds: proofs made, the time it took (before the round), and whether the round used them all. */
  readonly proofs?: { readonly made: number; readonly ms: number; readonly exhausted: boolean };
}

let counter = 0;

process.on('message', (message: LoadRequest) => {
  void run(message).catch((error: unknown) => process.send?.({ id: message.id, error: error instanceof Error ? error.message : String(error) } satisfies LoadReply));
});

async function run(message: LoadRequest): Promise<void> {
  // A unique JSON-RPC id per request (the SDK transport routes answers by id), Content-Length exact.
  const [head, tail] = message.body.split('"[<id>]"') as [string, string | undefined];
  let proofs: string[] | undefined;
  let proofMs = 0;
  let maxRequests = message.maxRequests;
  if (message.dpop !== undefined) {
    const t0 = performance.now();
    proofs = await makeProofs(message.dpop.spec, message.dpop.count);
    proofMs = performance.now() - t0;
    // autocannon builds one request per connection up front and may have one in flight per connection when it stops
    maxRequests = Math.min(maxRequests, proofs.length - 2 * message.connections - 2);
  }
  let next = 0;
  const withProof = (request: RequestData): RequestData => {
    // request.headers is a fresh copy per request (autocannon's request builder)
    if (proofs !== undefined) request.headers!['dpop'] = proofs[next++ % proofs.length]!;
    return request;
  };
  autocannon(
    {
      url: message.url,
      method: 'POST',
      headers: message.headers,
      body: message.body,
      requests: [
        {
          setupRequest: (request) => withProof(tail === undefined ? request : { ...request, body: `${head}${++counter}${tail}` }),
        },
      ],
      connections: message.connections,
      duration: message.durationSeconds,
      maxOverallRequests: maxRequests,
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
            ...(proofs !== undefined ? { proofs: { made: proofs.length, ms: proofMs, exhausted: result.requests.total >= maxRequests } } : {}),
          };
      process.send?.(reply);
    },
  );
}
process.on('disconnect', () => process.exit(0));
