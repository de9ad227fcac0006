/**
 * A Map with a size bound that evicts its oldest entries in batches. Evicting one entry at a time from
 * the front of a JavaScript Map walks over the tombstones of earlier deletions (V8 compacts lazily),
 * which turns each insert at the bound into O(n); a batch amortises that walk.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly #max: number;
  readonly #batch: number;

  constructor(maxEntries: number) {
    super();
    this.#max = maxEntries;
    this.#batch = Math.max(1, Math.ceil(maxEntries / 64));
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    if (this.size > this.#max) {
      let excess = this.size - this.#max + this.#batch - 1;
      for (const oldest of this.keys()) {
        if (excess-- <= 0 || this.size <= 1) break;
        this.delete(oldest);
      }
    }
    return this;
  }
}
