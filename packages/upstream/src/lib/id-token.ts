type Claims = Readonly<Record<string, unknown>>;

/** The claims of an ID token or userinfo response, or why they cannot name the upstream account. */
export type ClaimsCheck = { readonly claims: Claims } | { readonly problem: string };

/**
 * Reads an ID token received directly from the token endpoint over TLS. Per OIDC Core §3.1.3.7 its
 * signature need not be checked then; its `iss` must still be the upstream issuer, its `aud` must name
 * this client, and it must carry a `sub`.
 */
export function checkIdToken(idToken: string, issuer: string, clientId: string): ClaimsCheck {
  const claims = payloadOf(idToken);
  if (claims === undefined) return { problem: 'it is not a JWS compact serialization with a JSON object payload' };
  if (claims['iss'] !== issuer) return { problem: `its iss is not ${issuer}` };
  if (!audienceIncludes(claims['aud'], clientId)) return { problem: `its aud does not contain ${clientId}` };
  if (typeof claims['sub'] !== 'string' || claims['sub'] === '') return { problem: 'it has no sub' };
  return { claims };
}

function payloadOf(jwt: string): Claims | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Claims) : undefined;
  } catch {
    return undefined;
  }
}

function audienceIncludes(aud: unknown, clientId: string): boolean {
  return aud === clientId || (Array.isArray(aud) && aud.includes(clientId));
}
