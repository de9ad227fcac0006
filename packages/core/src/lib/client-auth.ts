/**
 * `application/x-www-form-urlencoded` encoding of one value (RFC 6749 Appendix B), exactly as
 * `URLSearchParams` serialises it: everything but `A-Z a-z 0-9 * - . _` is percent-encoded (`!'()~`
 * included, which `encodeURIComponent` leaves alone), and a space becomes `+`.
 */
export function formUrlEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** The `Authorization` value of `client_secret_basic` (RFC 6749 §2.3.1): id and secret form-encoded, then Base64. */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`).toString('base64')}`;
}
