/**
 * Refuses an options argument that is not an object, and option keys a factory does not know, so a
 * misspelt option (`toolScope` for `toolScopes`) fails at startup instead of silently leaving a default
 * in place.
 *
 * @throws TypeError naming the unknown key, and the closest known key when one is near.
 */
export function assertKnownOptions(options: unknown, known: readonly string[], owner: string): asserts options is object {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new TypeError(`${owner} needs an options object`);
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    throw new TypeError(`${owner}: unknown option ${JSON.stringify(key)}${near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`}`);
  }
}

function closest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.ceil(key.length / 3)) + 1;
  for (const candidate of known) {
    const c = candidate.toLowerCase();
    const distance = c === lower ? 0 : c.startsWith(lower) || lower.startsWith(c) ? 1 : editDistance(lower, c);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Infinity;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
