/** Load settings shared by the HTTP scenarios (env overrides for quick local runs). */
const num = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

/** A positive number from the environment, or undefined. */
export const envNum = (name: string): number | undefined => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
};

/** Servers in their own processes (scenarios 7 and 8): rounds and seconds per round. */
export const PROCESS_ROUNDS = {
  rounds: Math.floor(envNum('BENCH_PROCESS_ROUNDS') ?? 5),
  seconds: envNum('BENCH_EXAMPLES_SECONDS') ?? 3,
};

export const HTTP = {
  connections: num('BENCH_CONNECTIONS', 10),
  durationSeconds: num('BENCH_SECONDS', 5),
  warmupSeconds: num('BENCH_WARMUP_SECONDS', 2),
  rounds: Math.max(3, Math.floor(num('BENCH_ROUNDS', 3))),
};
