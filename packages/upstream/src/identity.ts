import type { Principal, UpstreamTokenSet } from '@mcpgate/core';
import type { OAuthClient } from './lib/http.js';
import { checkIdToken, type ClaimsCheck } from './lib/id-token.js';
import { fetchUserinfo } from './lib/userinfo.js';
import type { PrincipalRef } from './vault.js';

/** The upstream account that approved a device authorization. */
export interface UpstreamIdentity {
  /** The upstream issuer (the configured `issuer`). */
  readonly issuer: string;
  /**
   * The account's `sub`: from the ID token of the token response (its `iss` and `aud` checked), else from
   * the userinfo endpoint called with the new access token; undefined when neither names one.
   */
  readonly subject: string | undefined;
  /** Every claim of the source `subject` came from (ID token or userinfo); empty when it is undefined. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/** What {@link UpstreamIdentityVerifier} decides on, once a device authorization has been approved. */
export interface UpstreamIdentityContext {
  /**
   * The principal that started the device authorization, as passed to `startDeviceAuthorization`: a full
   * {@link Principal} (with `claims`) when it was given one, such as `principalOf(extra)`.
   */
  readonly principal: PrincipalRef | Principal;
  /** Who approved it at the upstream server. */
  readonly upstream: UpstreamIdentity;
  /** The tokens issued; stored for `principal` only when the verifier accepts. */
  readonly tokenSet: UpstreamTokenSet;
}

/**
 * Decides whether the upstream account that approved a device authorization may act for the principal
 * that started it. Only `true` accepts. `false` stores nothing and ends the flow with `identity_mismatch`;
 * a throw (or a userinfo endpoint that cannot be reached) stores nothing and ends it with `failed`.
 *
 * @example
 * ```ts
 * // The MCP login and the upstream API have different issuers but share verified e-mail addresses.
 * const verifyUpstreamIdentity: UpstreamIdentityVerifier = ({ principal, upstream }) =>
 *   'claims' in principal &&
 *   upstream.claims['email_verified'] === true &&
 *   typeof upstream.claims['email'] === 'string' &&
 *   upstream.claims['email'] === principal.claims['email'];
 * ```
 */
export type UpstreamIdentityVerifier = (context: UpstreamIdentityContext) => boolean | Promise<boolean>;

export interface IdentityCheckOptions {
  readonly issuer: string;
  readonly client: OAuthClient;
  readonly userinfoEndpoint: () => Promise<string | undefined>;
  readonly verify: UpstreamIdentityVerifier | undefined;
  readonly warn: (message: string) => void;
}

/**
 * The identity check run when a device authorization completes (against device-code phishing). With a
 * verifier, it decides. Without one, when the upstream issuer is the principal's issuer the subjects
 * must be equal (an unknown upstream subject fails); when the issuers differ the identities cannot be
 * compared and the set is accepted.
 */
export function identityCheck(options: IdentityCheckOptions): (principal: PrincipalRef, tokenSet: UpstreamTokenSet) => Promise<boolean> {
  return async (principal, tokenSet) => {
    if (options.verify === undefined && !sameIssuer(principal.issuer, options.issuer)) return true;
    const upstream = await identify(options, tokenSet);
    if (options.verify === undefined) return upstream.subject !== undefined && upstream.subject === principal.subject;
    return (await options.verify({ principal, upstream, tokenSet })) === true;
  };
}

/** Issuers compared for the default rule, a trailing slash aside (the stricter reading: same issuer, same subject). */
function sameIssuer(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

async function identify(options: IdentityCheckOptions, set: UpstreamTokenSet): Promise<UpstreamIdentity> {
  const found = (check: ClaimsCheck, source: string): UpstreamIdentity | undefined => {
    if ('claims' in check) return { issuer: options.issuer, subject: check.claims['sub'] as string, claims: check.claims };
    options.warn(`[mcpgate] device authorization: upstream ${source} ignored: ${check.problem}`);
    return undefined;
  };
  const fromIdToken = set.idToken === undefined ? undefined : found(checkIdToken(set.idToken, options.issuer, options.client.clientId), 'id_token');
  if (fromIdToken !== undefined) return fromIdToken;
  const endpoint = await options.userinfoEndpoint();
  const fromUserinfo = endpoint === undefined ? undefined : found(await fetchUserinfo(options.client, endpoint, set.accessToken), 'userinfo');
  return fromUserinfo ?? { issuer: options.issuer, subject: undefined, claims: {} };
}
