import { isMcpAuthError, ServiceUnavailableError } from '@mcpgate/core';
import { inSpan, linkToActive, sleep } from '@mcpgate/core/internal';
import type { McpAuthEventListener, UpstreamTokenSet } from '@mcpgate/core';
import { SpanKind, type Link } from '@opentelemetry/api';
import type { UpstreamEndpoints } from './endpoints.js';
import { postForm, type OAuthClient } from './lib/http.js';
import { oauthError, processTokenResponse } from './lib/token-response.js';
import type { OutcomeLog } from './lib/outcome-log.js';
import { CredentialVault, type PrincipalRef } from './vault.js';

/** What the user needs to approve a device authorization (RFC 8628 §3.2), as shown by the `connect_upstream` tool. */
export interface DeviceAuthorizationPrompt {
  readonly verification_uri: string;
  /** The verification URI with the user code in it; absent when the upstream server offers none. */
  readonly verification_uri_complete?: string | undefined;
  readonly user_code: string;
  /** Seconds left before the code expires. */
  readonly expires_in: number;
}

/**
 * How a background device authorization ended. `identity_mismatch`: the upstream account that approved
 * it is not the one of the principal that started it (someone else approved the user code, or the
 * account could not be identified), so nothing was stored.
 */
export type DeviceAuthorizationOutcome = 'connected' | 'denied' | 'expired' | 'failed' | 'identity_mismatch' | 'replaced' | 'closed';

/** The last device authorization of a principal that ran to an end (not `replaced` or `closed`). */
export interface DeviceAuthorizationRecord {
  readonly outcome: DeviceAuthorizationOutcome;
  /** When it ended, in seconds since the epoch. */
  readonly settledAt: number;
}

export interface DeviceAuthorizationFlowOptions {
  readonly client: OAuthClient;
  readonly endpoints: () => Promise<UpstreamEndpoints>;
  readonly scope: string | undefined;
  /** Stores the tokens obtained for the principal that started the flow. */
  readonly store: (principal: PrincipalRef, set: UpstreamTokenSet) => Promise<void>;
  /** Whether the tokens may be stored for the principal (as passed to `start`); false stores nothing. */
  readonly verifyIdentity: (principal: PrincipalRef, set: UpstreamTokenSet) => Promise<boolean>;
  /** Where each principal's last outcome is kept, cleared when a new authorization starts. */
  readonly outcomes?: OutcomeLog | undefined;
  readonly onSettled?: ((principal: PrincipalRef, outcome: DeviceAuthorizationOutcome) => void) | undefined;
  /** Audit events (`upstream.connected`, `upstream.identity_mismatch`); must not throw (wrap it with `safeListener`). */
  readonly onEvent?: McpAuthEventListener | undefined;
  readonly warn: (message: string) => void;
}

/** Background device authorizations, at most one pending per principal. */
export interface DeviceAuthorizationFlow {
  start(principal: PrincipalRef): Promise<DeviceAuthorizationPrompt>;
  /** Cancels every pending poll. */
  close(): void;
}

interface Pending {
  readonly principal: PrincipalRef;
  readonly startedBy: PrincipalRef;
  readonly prompt: DeviceAuthorizationPrompt;
  readonly deviceCode: string;
  /** Milliseconds since the epoch. */
  readonly deadline: number;
  intervalMs: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly controller: AbortController;
  /** The span active when it was started: each poll (a trace of its own) links to it. */
  readonly links: Link[];
}

/** What one poll did: the `mcpgate.outcome` of its span. */
type PollResult = 'authorization_pending' | 'slow_down' | 'unavailable' | 'superseded' | DeviceAuthorizationOutcome;

const EVENT_OF: Partial<Record<DeviceAuthorizationOutcome, 'upstream.connected' | 'upstream.identity_mismatch'>> = {
  connected: 'upstream.connected',
  identity_mismatch: 'upstream.identity_mismatch',
};

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** A pending authorization with less time left than this is replaced rather than shown again. */
const MIN_REMAINING_MS = 60_000;

/**
 * RFC 8628 as a credential source. `start` asks the upstream server for a user code and returns it;
 * polling then runs in the background (unref'd timers, independent of the MCP request), honouring
 * `interval` (default 5 s) and `slow_down` (+5 s), and the tokens go to the principal that started it
 * once `verifyIdentity` accepts the account that approved it.
 * A second `start` while one is pending returns the pending prompt (with the remaining `expires_in`),
 * unless less than a minute is left, in which case the old one is cancelled and a new one started.
 */
export function deviceAuthorizationFlow(options: DeviceAuthorizationFlowOptions): DeviceAuthorizationFlow {
  const pending = new Map<string, Pending>();
  const starting = new Map<string, Promise<DeviceAuthorizationPrompt>>();
  let closed = false;

  const stop = (key: string, state: Pending): void => {
    if (state.timer !== undefined) clearTimeout(state.timer);
    state.controller.abort();
    if (pending.get(key) === state) pending.delete(key);
  };

  const notify = (state: Pending, outcome: DeviceAuthorizationOutcome): void => {
    try {
      options.onSettled?.(state.principal, outcome);
    } catch (error) {
      options.warn(`[mcpgate] onDeviceAuthorizationSettled threw: ${(error as Error)?.message ?? 'error'}`);
    }
  };

  const settle = (key: string, state: Pending, outcome: DeviceAuthorizationOutcome): void => {
    stop(key, state);
    notify(state, outcome);
  };

  const finish = async (key: string, state: Pending, outcome: DeviceAuthorizationOutcome): Promise<PollResult> => {
    if (pending.get(key) !== state) return 'superseded';
    stop(key, state);
    const type = EVENT_OF[outcome];
    if (type !== undefined) options.onEvent?.({ type, time: new Date().toISOString(), outcome, principal: state.principal });
    try {
      await options.outcomes?.put(state.principal, outcome);
    } catch (error) {
      options.warn(`[mcpgate] the device authorization outcome could not be recorded: ${(error as Error).message}`);
    }
    notify(state, outcome);
    return outcome;
  };

  const approvedSet = async (state: Pending, body: unknown): Promise<UpstreamTokenSet | 'identity_mismatch' | 'failed'> => {
    try {
      const set = processTokenResponse(body, Date.now() / 1000);
      if (await options.verifyIdentity(state.startedBy, set)) return set;
      options.warn('[mcpgate] device authorization refused: the upstream account that approved it is not the one of the user who started it; nothing stored');
      return 'identity_mismatch';
    } catch (error) {
      options.warn(`[mcpgate] device authorization: ${(error as Error).message}`);
      return 'failed';
    }
  };

  const schedule = (key: string, state: Pending): void => {
    state.timer = setTimeout(() => {
      // Each poll is a trace of its own (it runs long after the request that started it), linked to it.
      inSpan('mcpgate.upstream.device.poll', { kind: SpanKind.INTERNAL, root: true, links: state.links }, async (span) => {
        span.setAttribute('mcpgate.outcome', await poll(key, state));
      })
        // a throwing onDeviceAuthorizationSettled callback must not become an unhandled rejection
        .catch((error: unknown) => options.warn(`[mcpgate] device authorization: ${(error as Error)?.message ?? 'error'}`));
    }, state.intervalMs);
    state.timer.unref?.();
  };

  const again = (key: string, state: Pending, result: PollResult): PollResult => {
    schedule(key, state);
    return result;
  };

  const poll = async (key: string, state: Pending): Promise<PollResult> => {
    state.timer = undefined;
    if (pending.get(key) !== state) return 'superseded';
    if (Date.now() >= state.deadline) return finish(key, state, 'expired');
    let response;
    try {
      const { tokenEndpoint } = await options.endpoints();
      response = await postForm(
        options.client,
        tokenEndpoint,
        { grant_type: DEVICE_CODE_GRANT, device_code: state.deviceCode },
        'mcpgate.upstream.token',
        state.controller.signal,
      );
    } catch (error) {
      if (pending.get(key) !== state) return 'superseded';
      if (isMcpAuthError(error) && error.code === 'ERR_UNAVAILABLE') return again(key, state, 'unavailable');
      options.warn(`[mcpgate] device authorization polling failed: ${(error as Error).message}`);
      return finish(key, state, 'failed');
    }
    if (pending.get(key) !== state) return 'superseded';
    if (response.status === 200) {
      const set = await approvedSet(state, response.body);
      if (pending.get(key) !== state) return 'superseded';
      if (typeof set === 'string') return finish(key, state, set);
      return finish(key, state, (await storeWithRetry(options, state.principal, set)) ? 'connected' : 'failed');
    }
    switch (oauthError(response.body)) {
      case 'authorization_pending':
        return again(key, state, 'authorization_pending');
      case 'slow_down':
        state.intervalMs += 5_000;
        return again(key, state, 'slow_down');
      case 'access_denied':
        return finish(key, state, 'denied');
      case 'expired_token':
        return finish(key, state, 'expired');
      default:
        options.warn(`[mcpgate] device authorization refused: ${oauthError(response.body) ?? `status ${response.status}`}`);
        return finish(key, state, 'failed');
    }
  };

  const begin = async (key: string, principal: PrincipalRef): Promise<DeviceAuthorizationPrompt> => {
    const { deviceAuthorizationEndpoint } = await options.endpoints();
    if (deviceAuthorizationEndpoint === undefined) {
      throw new ServiceUnavailableError('the upstream authorization server has no device_authorization_endpoint', {
        dependency: 'upstream',
        retryAfter: 300,
      });
    }
    const params: Record<string, string> = options.scope === undefined ? {} : { scope: options.scope };
    const links = linkToActive();
    const response = await postForm(options.client, deviceAuthorizationEndpoint, params, 'mcpgate.upstream.device_authorization');
    const answer = processDeviceAuthorizationResponse(response.status, response.body);
    await forgetOutcome(options, principal);
    if (closed) throw new ServiceUnavailableError('upstream credentials are closed', { dependency: 'upstream' });
    const previous = pending.get(key);
    if (previous !== undefined) settle(key, previous, 'replaced');
    const state: Pending = {
      principal: { issuer: principal.issuer, subject: principal.subject },
      startedBy: principal,
      prompt: answer.prompt,
      deviceCode: answer.deviceCode,
      deadline: Date.now() + answer.prompt.expires_in * 1000,
      intervalMs: answer.intervalSeconds * 1000,
      timer: undefined,
      controller: new AbortController(),
      links,
    };
    pending.set(key, state);
    schedule(key, state);
    return state.prompt;
  };

  return {
    start(principal) {
      if (closed) return Promise.reject(new ServiceUnavailableError('upstream credentials are closed', { dependency: 'upstream' }));
      const key = CredentialVault.keyOf(principal);
      const current = pending.get(key);
      if (current !== undefined && current.deadline - Date.now() > MIN_REMAINING_MS) {
        return Promise.resolve({ ...current.prompt, expires_in: Math.floor((current.deadline - Date.now()) / 1000) });
      }
      const inFlight = starting.get(key);
      if (inFlight !== undefined) return inFlight;
      const started = begin(key, principal).finally(() => starting.delete(key));
      starting.set(key, started);
      return started;
    },
    close() {
      closed = true;
      for (const [key, state] of [...pending]) settle(key, state, 'closed');
    },
  };
}

async function forgetOutcome(options: DeviceAuthorizationFlowOptions, principal: PrincipalRef): Promise<void> {
  try {
    await options.outcomes?.clear(principal);
  } catch (error) {
    options.warn(`[mcpgate] the last device authorization outcome could not be cleared: ${(error as Error).message}`);
  }
}

async function storeWithRetry(options: DeviceAuthorizationFlowOptions, principal: PrincipalRef, set: UpstreamTokenSet): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await options.store(principal, set);
      return true;
    } catch (error) {
      if (attempt === 2) {
        options.warn(`[mcpgate] device authorization succeeded but the tokens could not be stored: ${(error as Error).message}`);
        return false;
      }
      await sleep(500 * 2 ** attempt);
    }
  }
}

function processDeviceAuthorizationResponse(
  status: number,
  body: unknown,
): { prompt: DeviceAuthorizationPrompt; deviceCode: string; intervalSeconds: number } {
  const fail = (what: string): ServiceUnavailableError =>
    new ServiceUnavailableError(`upstream device authorization ${what}`, { dependency: 'upstream' });
  if (status !== 200) throw fail(`refused: ${oauthError(body) ?? `status ${status}`}`);
  if (typeof body !== 'object' || body === null) throw fail('response is not a JSON object');
  const b = body as Record<string, unknown>;
  const text = (name: string): string => {
    const value = b[name];
    if (typeof value !== 'string' || value === '') throw fail(`response has no ${name}`);
    return value;
  };
  const deviceCode = text('device_code');
  const userCode = text('user_code');
  const verificationUri = text('verification_uri');
  const complete = b['verification_uri_complete'];
  if (complete !== undefined && typeof complete !== 'string') throw fail('response has an invalid verification_uri_complete');
  const expiresIn = b['expires_in'];
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) throw fail('response has an invalid expires_in');
  const interval = b['interval'] ?? 5;
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) throw fail('response has an invalid interval');
  return {
    deviceCode,
    intervalSeconds: Math.max(interval, 1),
    prompt: {
      verification_uri: verificationUri,
      ...(complete !== undefined ? { verification_uri_complete: complete } : {}),
      user_code: userCode,
      expires_in: Math.floor(expiresIn),
    },
  };
}
