/** Interleaved HTTP load rounds against several targets, driven by autocannon in a child process. */
import { fork, type ChildProcess } from 'node:child_process';
import type { DpopProofSpec } from './dpop.js';
import type { LoadReply, LoadRequest } from './load-worker.js';
import { median } from './stats.js';

export interface HttpTarget {
  readonly name: string;
  /** Loopback URL of the MCP endpoint. */
  readonly url: string;
  readonly headers: Record<string, string>;
  /** JSON-RPC body; `[<id>]` is replaced by a unique id per request. */
  readonly body: string;
  /** Every request carries a fresh DPoP proof made from this (in the load worker, before each round). */
  readonly dpop?: DpopProofSpec;
}

export interface RoundResult {
  readonly requests: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly bad: number;
  /** DPoP targets: proofs made for the round, ms it took (before the round), whether the round used them all. */
  readonly proofs?: { readonly made: number; readonly ms: number; readonly exhausted: boolean };
}

export interface TargetSummary {
  readonly name: string;
  readonly rounds: RoundResult[];
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly bad: number;
  /** Requests answered in the warm-up (not in any figure; for profiles, which include them). */
  readonly warmupRequests: number;
}

export interface CompareOptions {
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  /** Hard cap of requests per round (the loop is bounded in count as well as time). */
  readonly maxRequestsPerRound?: number;
  /** Called just before every measured round (e.g. to read the server process's CPU time). */
  readonly onRoundStart?: (target: HttpTarget) => void;
  /** Called after every measured round (e.g. to read AS counters). */
  readonly onRound?: (target: HttpTarget, round: RoundResult) => void;
}

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(:\d+)?\//;

export class LoadGenerator {
  readonly #child: ChildProcess;
  #next = 1;
  /** The best req/s seen per target: sizes the next round's batch of DPoP proofs. */
  readonly #rate = new Map<string, number>();
  readonly #pending = new Map<number, { resolve: (reply: LoadReply) => void; reject: (error: Error) => void }>();

  constructor() {
    this.#child = fork(new URL('./load-worker.js', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (reply: LoadReply) => {
      const waiter = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      waiter?.resolve(reply);
    });
    this.#child.on('exit', (code) => {
      for (const waiter of this.#pending.values()) waiter.reject(new Error(`load worker exited (${code})`));
      this.#pending.clear();
    });
  }

  /** Proofs for one round: twice the best rate seen so far (at least 2,000 req/s), plus 1,000; at most 100,000. */
  #proofCount(name: string, durationSeconds: number): number {
    return Math.min(100_000, Math.ceil(Math.max(this.#rate.get(name) ?? 0, 2_000) * durationSeconds * 2) + 1_000);
  }

  /** One autocannon run; rejects if it takes 30 s longer than asked. */
  async run(target: HttpTarget, durationSeconds: number, connections: number, maxRequests: number): Promise<RoundResult> {
    if (!LOOPBACK.test(target.url)) throw new Error(`refusing to load a non-loopback URL: ${target.url}`);
    const request: LoadRequest = {
      id: this.#next++,
      url: target.url,
      headers: target.headers,
      body: target.body,
      connections,
      durationSeconds,
      maxRequests,
      ...(target.dpop !== undefined ? { dpop: { spec: target.dpop, count: this.#proofCount(target.name, durationSeconds) } } : {}),
    };
    const reply = await new Promise<LoadReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(request.id);
        reject(new Error(`load round against ${target.name} did not finish in time`));
      }, (durationSeconds + 30) * 1000);
      this.#pending.set(request.id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#child.send(request);
    });
    if (reply.error !== undefined) throw new Error(`autocannon: ${reply.error}`);
    if (reply.rps !== undefined) this.#rate.set(target.name, Math.max(this.#rate.get(target.name) ?? 0, reply.rps));
    return {
      ...(reply.proofs !== undefined ? { proofs: reply.proofs } : {}),
      requests: reply.requests ?? 0,
      rps: reply.rps ?? 0,
      p50Ms: reply.p50Ms ?? NaN,
      p99Ms: reply.p99Ms ?? NaN,
      bad: (reply.non2xx ?? 0) + (reply.errors ?? 0) + (reply.timeouts ?? 0),
    };
  }

  /**
   * Warms every target up, then runs `rounds` rounds; each round loads every target once, one at a
   * time, in alternating order (A B, B A, A B, …) so drift of a noisy machine hits all targets alike.
   */
  async compare(targets: readonly HttpTarget[], options: CompareOptions): Promise<TargetSummary[]> {
    const max = options.maxRequestsPerRound ?? 2_000_000;
    const warmup = new Map<string, number>();
    for (const target of targets) warmup.set(target.name, (await this.run(target, options.warmupSeconds, options.connections, max)).requests);
    const results = new Map<string, RoundResult[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        options.onRoundStart?.(target);
        const result = await this.run(target, options.durationSeconds, options.connections, max);
        results.get(target.name)!.push(result);
        options.onRound?.(target, result);
      }
    }
    return targets.map((target) => {
      const rounds = results.get(target.name)!;
      return {
        name: target.name,
        rounds,
        rps: median(rounds.map((r) => r.rps)),
        p50Ms: median(rounds.map((r) => r.p50Ms)),
        p99Ms: median(rounds.map((r) => r.p99Ms)),
        requests: rounds.reduce((sum, r) => sum + r.requests, 0),
        bad: rounds.reduce((sum, r) => sum + r.bad, 0),
        warmupRequests: warmup.get(target.name) ?? 0,
      };
    });
  }

  close(): void {
    this.#child.disconnect();
  }
}
