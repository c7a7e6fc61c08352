// Key paths and the record of which layer (file, env var, overrides, dev mode) set each value.

export type Segments = Array<string | number>;

/** ['identity', 'schemas', 0, 'url'] → "identity.schemas[0].url" */
export function formatPath(segments: Segments): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Where each value came from, by formatted path. Unrecorded paths hold schema defaults. */
export class SourceMap {
  private readonly map = new Map<string, string>();

  record(segments: Segments, value: unknown, source: string): void {
    const key = formatPath(segments);
    // A replaced subtree no longer holds what earlier layers put there.
    for (const k of [...this.map.keys()]) {
      if (k.startsWith(key + '.') || k.startsWith(key + '[')) this.map.delete(k);
    }
    this.map.set(key, source);
    if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) this.record([...segments, k], v, source);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => this.record([...segments, i], v, source));
    }
  }

  /** Notes that `source` contributed to the object at `segments` without replacing it. */
  mark(segments: Segments, source: string): void {
    this.map.set(formatPath(segments), source);
  }

  /** The layer that set this path or its nearest recorded ancestor; 'default' if none did. */
  /** Whether a file, the environment or an override set this very key (not an ancestor, not a default). */
  setExplicitly(segments: Segments): boolean {
    return this.map.has(formatPath(segments));
  }

  sourceOf(segments: Segments): string {
    for (let n = segments.length; n > 0; n--) {
      const s = this.map.get(formatPath(segments.slice(0, n)));
      if (s !== undefined) return s;
    }
    return 'default';
  }

  /** The layer that set exactly this path, if any. */
  exact(segments: Segments): string | undefined {
    return this.map.get(formatPath(segments));
  }
}

/**
 * Merges `layer` into `target` in place: objects merge deeply, anything else (arrays included)
 * replaces. Records the source of every value the layer sets.
 */
export function mergeLayer(target: Record<string, unknown>, layer: Record<string, unknown>, at: Segments, source: string, sources: SourceMap): void {
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const path = [...at, key];
    const existing = target[key];
    if (isPlainObject(value) && isPlainObject(existing)) {
      sources.mark(path, source);
      mergeLayer(existing, value, path, source, sources);
    } else {
      target[key] = structuredClone(value);
      sources.record(path, value, source);
    }
  }
}

/** Sets `value` at `segments`, creating objects (or arrays before numeric segments) on the way. */
export function setAt(target: Record<string, unknown>, segments: Segments, value: unknown, source: string, sources: SourceMap): void {
  let node: Record<string, unknown> | unknown[] = target;
  for (let i = 0; i < segments.length - 1; i++) {
    const seg = segments[i] as string | number;
    const nextIsIndex = typeof segments[i + 1] === 'number';
    const container = node as Record<string | number, unknown>;
    let child = container[seg];
    if (nextIsIndex ? !Array.isArray(child) : !isPlainObject(child)) {
      child = nextIsIndex ? [] : {};
      container[seg] = child;
      sources.mark(segments.slice(0, i + 1), source);
    }
    node = child as Record<string, unknown> | unknown[];
  }
  const last = segments[segments.length - 1] as string | number;
  const container = node as Record<string | number, unknown>;
  if (isPlainObject(value) && isPlainObject(container[last])) {
    sources.mark(segments, source);
    mergeLayer(container[last] as Record<string, unknown>, value, segments, source, sources);
  } else {
    container[last] = value;
    sources.record(segments, value, source);
  }
}

export function getAt(target: unknown, segments: Segments): unknown {
  let node: unknown = target;
  for (const s of segments) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[s];
  }
  return node;
}

/**
 * Expands top-level dotted keys: {"serve.public.port": 1} → {serve: {public: {port: 1}}}.
 * Keys of nested objects are left as they are (header names and template names may hold dots).
 */
export function expandDotted(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const scratch = new SourceMap();
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    setAt(out, key.split('.'), structuredClone(value), 'overrides', scratch);
  }
  return out;
}
