/**
 * Flattens a JSON document to dotted names as Kratos does (`a.b`, array items `a.0`); a dot
 * inside a key is escaped as `\\.`. Form values of generated trait inputs are filled from it.
 */
export function flattenJSON(document: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return out;
  const walk = (value: unknown, path: string[]): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...path, String(i)]));
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k.replaceAll('.', '\\.')]);
    } else {
      out[path.join('.')] = value;
    }
  };
  walk(document, []);
  return out;
}
