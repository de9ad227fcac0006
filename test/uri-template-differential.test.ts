/**
 * resourceScopes matches a URI against a template at least wherever the MCP SDKs route it: a URI the
 * server would serve from a protected template must never skip that template's scopes. Differential
 * check against both SDKs' own UriTemplate.match on generated templates and URIs (seeded, so a failure
 * reproduces).
 */
import { uriTemplateMatcher } from '@mcpgate/core/internal';
import { UriTemplate as UriTemplate2 } from '@modelcontextprotocol/server';
import { UriTemplate as UriTemplate1 } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { describe, expect, it } from 'vitest';

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EXPRESSIONS = ['{a}', '{a,b}', '{a*}', '{+a}', '{#a}', '{.a}', '{/a}', '{/a*}', '{?a}', '{?a,b}', '{&a}', '{?}', '{&,}', '{}', '{ }', '{+}', '{/}'];
const LITERALS = ['file:///', 'x', '/', '-', '.', '?', '&', '=', ',', 'q1'];
const URI_PARTS = ['file:///', 'x', 'y', '/', '-', '.', '?', '&', '=', ',', 'a=', 'b=', 'q1', '%20', '#'];

/** Whether the SDK serves `uri` from the template (a match that throws, as for an unnamed `{}`, serves nothing). */
function routes(sdk: { match(uri: string): unknown }, uri: string): boolean {
  try {
    return sdk.match(uri) !== null;
  } catch {
    return false;
  }
}

describe('uriTemplateMatcher against the SDKs UriTemplate.match', () => {
  it('matches every URI either SDK routes to the template (20,000 generated pairs)', () => {
    const next = random(20261202);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const misses: string[] = [];
    let routed = 0;
    for (let round = 0; round < 400; round++) {
      let template = '';
      for (let i = 1 + Math.floor(next() * 4); i > 0; i--) template += next() < 0.5 ? pick(LITERALS) : pick(EXPRESSIONS);
      const matcher = uriTemplateMatcher(template);
      const sdks = [new UriTemplate1(template), new UriTemplate2(template)];
      for (let n = 0; n < 50; n++) {
        // half the URIs are expansions of the template (so they route), half are noise
        let uri = '';
        if (next() < 0.5) {
          const value = () => (next() < 0.2 ? pick(['a/b', 'a,b', 'x.y', 'a&b']) : pick(['x', 'q1', 'y-z']));
          uri = (sdks[0] as UriTemplate1).expand({ a: value(), b: value() });
        } else {
          for (let i = Math.floor(next() * 8); i > 0; i--) uri += pick(URI_PARTS);
        }
        if (!sdks.some((sdk) => routes(sdk, uri))) continue;
        routed++;
        if (!matcher(uri)) misses.push(`${template} ~ ${uri}`);
      }
    }
    expect(misses).toEqual([]);
    // the generator does produce routed URIs (the check is not vacuous)
    expect(routed).toBeGreaterThan(2_000);
  });
});
