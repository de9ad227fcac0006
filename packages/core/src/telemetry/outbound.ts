import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Link, type Span } from '@opentelemetry/api';
import { mcpgateTracer } from './otel.js';

/**
 * Spans for the calls mcpgate makes to other servers (authorization server metadata, JWKS, introspection,
 * token endpoints, Redis), shared by the packages. Attribute names follow the OpenTelemetry semantic
 * conventions where they exist (`url.full`, `server.address`, `http.response.status_code`, `error.type`,
 * `db.system.name`...); never token bytes, secrets, query strings or store keys.
 */

export interface OutboundSpanOptions {
  /** Default `SpanKind.CLIENT`. */
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** Start a new trace instead of a child of the active span (background work), linked to `links`. */
  readonly root?: boolean;
  readonly links?: Link[];
}

/** The name of an error, for a span status or `error.type`: its class name, never its message. */
export function errorName(error: unknown): string {
  if (error instanceof Error) return error.name === '' ? 'Error' : error.name;
  return typeof error === 'object' && error !== null ? 'Error' : typeof error;
}

/** Marks a span failed: status ERROR whose message is `name` (an error's name, never its message), and `error.type`. */
export function failSpan(span: Span, name: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: name });
  span.setAttribute('error.type', name);
}

/**
 * Runs `run` inside a new span (a child of the active context, or a root when `options.root`), and ends
 * it when `run` settles. A rejection marks the span failed with the error's name and is passed on.
 */
export async function inSpan<T>(name: string, options: OutboundSpanOptions, run: (span: Span) => Promise<T>): Promise<T> {
  const span = mcpgateTracer().startSpan(name, {
    kind: options.kind ?? SpanKind.CLIENT,
    ...(options.attributes !== undefined ? { attributes: options.attributes } : {}),
    ...(options.root === true ? { root: true } : {}),
    ...(options.links !== undefined && options.links.length > 0 ? { links: options.links } : {}),
  });
  try {
    return await context.with(trace.setSpan(context.active(), span), () => run(span));
  } catch (error) {
    failSpan(span, errorName(error));
    throw error;
  } finally {
    span.end();
  }
}

/** A link to the span active now, for background work started from it (empty when there is none). */
export function linkToActive(): Link[] {
  const active = trace.getSpanContext(context.active());
  return active === undefined || !trace.isSpanContextValid(active) ? [] : [{ context: active }];
}

/**
 * `url.full` without query string, fragment or credentials, `server.address` and `server.port` of an
 * outbound URL (semantic conventions: the query may carry secrets). Empty for an unparsable URL.
 */
export function urlAttributes(url: string): Attributes {
  if (!URL.canParse(url)) return {};
  const u = new URL(url);
  const port = u.port !== '' ? Number(u.port) : u.protocol === 'https:' ? 443 : u.protocol === 'http:' ? 80 : undefined;
  return {
    'url.full': `${u.protocol}//${u.host}${u.pathname}`,
    'server.address': u.hostname.replace(/^\[(.*)\]$/, '$1'),
    ...(port !== undefined ? { 'server.port': port } : {}),
  };
}

/** The attributes of an outbound HTTP request: `http.request.method` and {@link urlAttributes}. */
export function httpClientAttributes(method: string, url: string): Attributes {
  return { 'http.request.method': method, ...urlAttributes(url) };
}
