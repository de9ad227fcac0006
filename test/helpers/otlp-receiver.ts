/**
 * A tiny OTLP/HTTP receiver for tests: a node:http server on a free loopback port that records every POST
 * (to `/v1/traces`, `/v1/metrics`, anything) and answers 200 with an empty export response. Bodies sent with
 * `OTEL_EXPORTER_OTLP_PROTOCOL=http/json` are parsed; protobuf bodies are kept as bytes (their strings are
 * plain UTF-8 in them, so they can still be searched).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpPost {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** An OTLP attribute value (JSON encoding). */
export interface AnyValue {
  readonly stringValue?: string;
  readonly intValue?: string | number;
  readonly doubleValue?: number;
  readonly boolValue?: boolean;
  readonly arrayValue?: { readonly values?: readonly AnyValue[] };
}
export interface KeyValue {
  readonly key: string;
  readonly value: AnyValue;
}

/** One span, flattened with its resource and scope. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  readonly kind: number;
  readonly attributes: Record<string, string | number | boolean | undefined>;
  readonly scope: string;
  readonly resource: Record<string, string | number | boolean | undefined>;
}

export interface ReceivedDataPoint {
  readonly attributes: Record<string, string | number | boolean | undefined>;
  /** A sum or gauge point's value; a histogram's count. */
  readonly value: number;
}

/** One metric of one export, flattened with its scope. */
export interface ReceivedMetric {
  readonly name: string;
  readonly unit: string | undefined;
  readonly scope: string;
  readonly kind: 'sum' | 'gauge' | 'histogram' | 'other';
  readonly points: readonly ReceivedDataPoint[];
}

export interface OtlpReceiver {
  /** The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  readonly posts: OtlpPost[];
  /** Spans of every JSON export to /v1/traces. */
  spans(): ReceivedSpan[];
  /** Metrics of every JSON export to /v1/metrics, in arrival order. */
  metrics(): ReceivedMetric[];
  /** Everything received, as one string (for "no token bytes" checks). */
  allBytes(): string;
  close(): Promise<void>;
}

function scalar(value: AnyValue | undefined): string | number | boolean | undefined {
  if (value === undefined) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue !== undefined) return JSON.stringify((value.arrayValue.values ?? []).map(scalar));
  return undefined;
}

function attributes(list: readonly KeyValue[] | undefined): Record<string, string | number | boolean | undefined> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, scalar(kv.value)]));
}

interface JsonTraces {
  resourceSpans?: Array<{
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: Array<{
      scope?: { name?: string };
      spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; kind?: number; attributes?: KeyValue[] }>;
    }>;
  }>;
}

interface JsonPoint {
  attributes?: KeyValue[];
  asInt?: string | number;
  asDouble?: number;
  count?: string | number;
}

interface JsonMetrics {
  resourceMetrics?: Array<{
    scopeMetrics?: Array<{
      scope?: { name?: string };
      metrics?: Array<{
        name: string;
        unit?: string;
        sum?: { dataPoints?: JsonPoint[] };
        gauge?: { dataPoints?: JsonPoint[] };
        histogram?: { dataPoints?: JsonPoint[] };
      }>;
    }>;
  }>;
}

const pointValue = (p: JsonPoint): number => Number(p.asInt ?? p.asDouble ?? p.count ?? Number.NaN);

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const posts: OtlpPost[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
      const json = (req.headers['content-type'] ?? '').includes('json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const json = <T>(path: string): T[] =>
    posts.filter((p) => p.path === path && p.contentType.includes('json')).map((p) => JSON.parse(p.body.toString('utf8')) as T);
  return {
    url,
    posts,
    spans: () =>
      json<JsonTraces>('/v1/traces').flatMap((t) =>
        (t.resourceSpans ?? []).flatMap((rs) =>
          (rs.scopeSpans ?? []).flatMap((ss) =>
            (ss.spans ?? []).map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId === undefined || s.parentSpanId === '' ? undefined : s.parentSpanId,
              name: s.name,
              kind: s.kind ?? 0,
              attributes: attributes(s.attributes),
              scope: ss.scope?.name ?? '',
              resource: attributes(rs.resource?.attributes),
            })),
          ),
        ),
      ),
    metrics: () =>
      json<JsonMetrics>('/v1/metrics').flatMap((m) =>
        (m.resourceMetrics ?? []).flatMap((rm) =>
          (rm.scopeMetrics ?? []).flatMap((sm) =>
            (sm.metrics ?? []).map((metric) => {
              const kind = metric.sum ? 'sum' : metric.gauge ? 'gauge' : metric.histogram ? 'histogram' : 'other';
              const points = (metric.sum ?? metric.gauge ?? metric.histogram)?.dataPoints ?? [];
              return {
                name: metric.name,
                unit: metric.unit,
                scope: sm.scope?.name ?? '',
                kind,
                points: points.map((p) => ({ attributes: attributes(p.attributes), value: pointValue(p) })),
              } satisfies ReceivedMetric;
            }),
          ),
        ),
      ),
    allBytes: () => posts.map((p) => `${p.path}\n${p.body.toString('latin1')}`).join('\n'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
