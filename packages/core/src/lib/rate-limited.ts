/**
 * A warning function that says each kind of message at most once per `intervalMs`, counting what it
 * held back, so an outage is logged without flooding the log.
 */
export function rateLimitedWarn(warn: (message: string) => void, intervalMs = 10_000): (kind: string, message: string) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (kind, message) => {
    const now = Date.now();
    const seen = last.get(kind);
    if (seen !== undefined && now - seen.at < intervalMs) {
      seen.suppressed++;
      return;
    }
    const held = seen !== undefined && seen.suppressed > 0 ? ` (${seen.suppressed} more since the last report)` : '';
    last.set(kind, { at: now, suppressed: 0 });
    try {
      warn(`${message}${held}`);
    } catch {
      // a logger that throws must not fail a request
    }
  };
}
