const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Which `Origin` header values may call the endpoint from a browser (DNS-rebinding protection, MCP
 * transport security). Default: the resource's own origin, plus any loopback origin when the resource
 * itself is on loopback. `'*'` allows every origin.
 *
 * @throws TypeError when `allowed` is neither an array of origins nor `'*'`.
 */
export function originPolicy(resource: string, allowed: unknown): (origin: string) => boolean {
  if (allowed === '*') return () => true;
  if (allowed !== undefined && (!Array.isArray(allowed) || !allowed.every((o) => typeof o === 'string'))) {
    throw new TypeError("allowedOrigins must be an array of origins or '*'");
  }
  const own = new URL(resource);
  const list = new Set(((allowed as string[] | undefined) ?? [own.origin]).map((o) => o.replace(/\/$/, '')));
  const loopbackOk = allowed === undefined && LOOPBACK.has(own.hostname);
  return (origin) => {
    if (list.has(origin)) return true;
    if (!loopbackOk) return false;
    try {
      return LOOPBACK.has(new URL(origin).hostname);
    } catch {
      return false;
    }
  };
}
