/** Load settings shared by the HTTP scenarios (env overrides for quick local runs). */
const num = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

export const HTTP = {
  connections: num('BENCH_CONNECTIONS', 10),
  durationSeconds: num('BENCH_SECONDS', 5),
  warmupSeconds: num('BENCH_WARMUP_SECONDS', 2),
  rounds: Math.max(3, Math.floor(num('BENCH_ROUNDS', 3))),
};
