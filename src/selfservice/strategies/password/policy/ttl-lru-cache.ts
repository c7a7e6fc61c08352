// A small least-recently-used cache whose entries also expire after a fixed time. A Map keeps
// insertion order, so re-inserting on every hit makes its first key the least recently used.

export class TtlLruCache<K, V> {
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();

  constructor(max: number, ttlMs: number, now: () => number = Date.now) {
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`cache size must be a non-negative integer, got ${max}`);
    if (!(ttlMs >= 0)) throw new RangeError(`cache TTL must be a non-negative number of milliseconds, got ${ttlMs}`);
    this.#max = max;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#now()) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V): void {
    if (this.#max === 0 || this.#ttlMs === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs });
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}
