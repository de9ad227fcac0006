import { randomUUID } from 'node:crypto';
import { isMcpAuthError, ReconnectRequiredError, ServiceUnavailableError } from '@mcpgate/core';
import type { McpAuthEventListener, McpAuthEventType, Store, TokenRefresher, UpstreamTokenSet } from '@mcpgate/core';
import { inSpan, now, sleep } from '@mcpgate/core/internal';
import { SpanKind, type Span } from '@opentelemetry/api';
import { CredentialVault, type PrincipalRef, type VaultEntry } from '../vault.js';
import { lockWaits, refreshes, type LockWaitOutcome, type RefreshOutcome } from './telemetry.js';

export interface CoordinatedRefreshOptions {
  readonly vault: CredentialVault;
  readonly store: Store;
  readonly refresher: () => Promise<TokenRefresher>;
  /** Seconds before expiry a set counts as stale. */
  readonly refreshSkewSeconds: number;
  /** Milliseconds. */
  readonly lockTtlMs: number;
  readonly isClosed: () => boolean;
  /** Audit events (`upstream.refreshed`, `upstream.revoked`); must not throw (wrap it with `safeListener`). */
  readonly onEvent?: McpAuthEventListener | undefined;
}

export const reconnect = (): ReconnectRequiredError =>
  new ReconnectRequiredError('no upstream credentials for this user: run connect_upstream to connect the upstream account');

/**
 * A usable upstream token set for a principal, refreshed exactly once however many callers need it:
 * callers in this process share one promise per principal; processes share the store lock
 * `upstream-lock:<hash>` (`add` with a TTL, released with `deleteIfEquals` by its owner). The lock
 * holder re-reads the vault before refreshing; everyone else polls the vault until the set changed
 * (or the lock is free or expired, then takes it).
 *
 * Reported as the span `mcpgate.upstream.refresh` (its `mcpgate.outcome`, and `mcpgate.upstream.lock.wait`
 * when it waited for another holder), the counter `mcpgate.upstream.refreshes` (one per refresh grant this
 * process attempted) and the histogram `mcpgate.upstream.lock.wait.duration`.
 */
export function coordinatedRefresh(options: CoordinatedRefreshOptions) {
  const { vault, store, lockTtlMs } = options;
  const flights = new Map<string, Promise<UpstreamTokenSet>>();
  const nowSeconds = (): number => Date.now() / 1000;

  const fresh = (entry: VaultEntry): boolean => {
    const { expiresAt } = entry.set;
    if (expiresAt === undefined) return true;
    const skew = Math.min(options.refreshSkewSeconds, Math.max(0, expiresAt - entry.obtainedAt) / 2);
    return expiresAt - skew > nowSeconds();
  };
  const unexpired = (entry: VaultEntry): boolean => entry.set.expiresAt === undefined || entry.set.expiresAt > nowSeconds();
  /** Usable without a refresh: fresh, or renewed by someone else since we saw `seen`, and not the rejected token. */
  const usable = (entry: VaultEntry, seen: string | undefined, rejected: string | undefined): boolean =>
    entry.set.accessToken !== rejected && (fresh(entry) || (seen !== undefined && entry.set.accessToken !== seen && unexpired(entry)));

  const emit = (type: McpAuthEventType, principal: PrincipalRef, outcome: string): void =>
    options.onEvent?.({ type, time: new Date().toISOString(), outcome, principal: { issuer: principal.issuer, subject: principal.subject } });

  /** Sends the refresh grant and stores its answer; counted in `mcpgate.upstream.refreshes` by outcome. */
  const refreshEntry = async (principal: PrincipalRef, entry: VaultEntry, span: Span): Promise<UpstreamTokenSet> => {
    let outcome: RefreshOutcome = 'error';
    try {
      let next: UpstreamTokenSet;
      try {
        next = await (await options.refresher()).refresh(entry.set);
      } catch (error) {
        if (isMcpAuthError(error) && error.code === 'ERR_UNAVAILABLE') outcome = 'unavailable';
        if (!(isMcpAuthError(error) && error.code === 'ERR_RECONNECT_REQUIRED')) throw error;
        const current = await vault.read(principal);
        if (current !== undefined && current.set.refreshToken !== entry.set.refreshToken) {
          outcome = 'superseded';
          return current.set;
        }
        outcome = 'revoked';
        if (await vault.deleteIfUnchanged(principal, entry)) {
          emit('upstream.revoked', principal, entry.set.refreshToken === undefined ? 'no_refresh_token' : 'invalid_grant');
        }
        throw error;
      }
      // The authorization server has already rotated the refresh token: losing this write would log the
      // user out, so a failed write is retried (briefly; the lock is still ours) before giving up.
      outcome = 'store_error';
      for (let attempt = 0; ; attempt++) {
        try {
          await vault.put(principal, next);
          outcome = 'ok';
          emit('upstream.refreshed', principal, 'ok');
          return next;
        } catch (error) {
          if (attempt >= 2) throw error;
          await sleep(100 * 2 ** attempt);
        }
      }
    } finally {
      span.setAttribute('mcpgate.outcome', outcome);
      refreshes().add(1, { 'mcpgate.outcome': outcome });
    }
  };

  const refreshHoldingLock = async (principal: PrincipalRef, seen: string | undefined, rejected: string | undefined, span: Span): Promise<UpstreamTokenSet> => {
    const entry = await vault.read(principal);
    if (entry === undefined) throw reconnect();
    if (usable(entry, seen, rejected)) {
      span.setAttribute('mcpgate.outcome', 'reused');
      return entry.set;
    }
    return refreshEntry(principal, entry, span);
  };

  const refreshAcrossProcesses = async (principal: PrincipalRef, seen: string | undefined, rejected: string | undefined, span: Span): Promise<UpstreamTokenSet> => {
    const lockKey = CredentialVault.lockKeyOf(principal);
    const owner = randomUUID();
    const deadline = Date.now() + lockTtlMs + 1_000;
    /** When this caller started waiting for another holder's lock (undefined: not waiting). */
    let waitStarted: number | undefined;
    const waited = (outcome: LockWaitOutcome): void => {
      if (waitStarted === undefined) return;
      lockWaits().record((now() - waitStarted) / 1000, { 'mcpgate.outcome': outcome });
      span.setAttribute('mcpgate.upstream.lock.wait', outcome);
      waitStarted = undefined;
    };
    try {
      for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
        if (await store.add(lockKey, owner, lockTtlMs)) {
          waited('acquired');
          try {
            return await refreshHoldingLock(principal, seen, rejected, span);
          } finally {
            await store.deleteIfEquals(lockKey, owner).catch(() => undefined);
          }
        }
        waitStarted ??= now();
        if (options.isClosed()) {
          waited('closed');
          throw new ServiceUnavailableError('upstream credentials are closed', { dependency: 'upstream' });
        }
        if (Date.now() > deadline) {
          waited('timeout');
          throw new ServiceUnavailableError('another instance is still refreshing the upstream token', { dependency: 'upstream', retryAfter: 1 });
        }
        await sleep(delay + Math.floor(Math.random() * delay));
        const entry = await vault.read(principal);
        if (entry === undefined) {
          waited('reconnect');
          throw reconnect();
        }
        if (usable(entry, seen, rejected)) {
          waited('reused');
          span.setAttribute('mcpgate.outcome', 'reused');
          return entry.set;
        }
      }
    } finally {
      waited('error'); // a store call failed while waiting
    }
  };

  const refreshOnce = (principal: PrincipalRef, seen: string | undefined, rejected: string | undefined): Promise<UpstreamTokenSet> => {
    const key = CredentialVault.keyOf(principal);
    let flight = flights.get(key);
    if (flight === undefined) {
      flight = inSpan('mcpgate.upstream.refresh', { kind: SpanKind.INTERNAL }, (span) => refreshAcrossProcesses(principal, seen, rejected, span)).finally(() =>
        flights.delete(key),
      );
      flights.set(key, flight);
    }
    return flight;
  };

  return {
    /**
     * A set whose access token is fresh; refreshes (once) when it is not. When that refresh fails
     * because the upstream server is unavailable, a token that has not expired yet is still returned.
     */
    async current(principal: PrincipalRef): Promise<UpstreamTokenSet> {
      const flight = flights.get(CredentialVault.keyOf(principal));
      if (flight !== undefined) return flight;
      const entry = await vault.read(principal);
      if (entry === undefined) throw reconnect();
      if (fresh(entry)) return entry.set;
      try {
        return await refreshOnce(principal, entry.set.accessToken, undefined);
      } catch (error) {
        // Refreshing early failed for want of the upstream server: the current token still works.
        if (isMcpAuthError(error) && error.code === 'ERR_UNAVAILABLE' && unexpired(entry)) return entry.set;
        throw error;
      }
    },
    /** A set whose access token is not `rejected` (the upstream API answered 401 to it). */
    renew(principal: PrincipalRef, rejected: string): Promise<UpstreamTokenSet> {
      return refreshOnce(principal, rejected, rejected);
    },
  };
}
