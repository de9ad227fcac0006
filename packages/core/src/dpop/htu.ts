/**
 * A URI as RFC 9449 §4.3 compares `htu`: syntax-based and scheme-based normalisation (RFC 3986 §6.2.2,
 * §6.2.3): scheme and host in lower case, the default port dropped, dot segments removed, an empty path
 * made `/`, percent-encoded unreserved characters decoded and the remaining hex digits in upper case.
 * Undefined when `uri` is not an absolute http(s) URI.
 */
export function normalizedHtu(uri: string): { readonly uri: string; readonly hasQueryOrFragment: boolean } | undefined {
  if (!URL.canParse(uri)) return undefined;
  const url = new URL(uri);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (match, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  return { uri: `${url.protocol}//${url.host}${path}`, hasQueryOrFragment: url.search !== '' || url.hash !== '' || uri.includes('?') || uri.includes('#') };
}
