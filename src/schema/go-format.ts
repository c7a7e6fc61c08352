/**
 * Small formatters that reproduce how Go's `fmt` prints values, because the validation texts
 * clients see (ui-text-messages ids 4000001..4000030) were produced with Go verbs such as `%q`,
 * `%v` and `%#v`. Only the cases a JSON value can reach are handled.
 */

/** Go's `%q` of a string: a double-quoted literal with Go escapes. */
export function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp >= 0x80 && cp < 0xa0) out += '\\u' + cp.toString(16).padStart(4, '0');
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return out + '"';
}

/**
 * Go's `%v` of a float64: strconv's 'g' format with the shortest round-trip digits, which uses
 * exponent notation when the decimal exponent is below -4 or at least 6 (`1e+06`, `1.5e-05`).
 */
export function goFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  // Shortest round-trip digits, as JavaScript also produces them.
  const [mantissa, expPart] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expPart);
  const sign = value < 0 ? '-' : '';
  const nd = digits.length;
  const dp = exp + 1;
  if (exp < -4 || exp >= 6) {
    const m = nd > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (dp <= 0) return `${sign}0.${'0'.repeat(-dp)}${digits}`;
  if (dp >= nd) return `${sign}${digits}${'0'.repeat(dp - nd)}`;
  return `${sign}${digits.slice(0, dp)}.${digits.slice(dp)}`;
}

/** Go's `%#v` of a decoded JSON primitive (string, float64, bool, nil). */
export function goSharpV(value: unknown): string {
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number') return goFloat(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null || value === undefined) return '<nil>';
  return JSON.stringify(value);
}

/** Go's `%q` applied to any decoded JSON value (strings quoted; others as Go prints a bad verb). */
export function goQuoteAny(value: unknown): string {
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number') return `%!q(float64=${goFloat(value)})`;
  if (typeof value === 'boolean') return `%!q(bool=${value})`;
  if (value === null || value === undefined) return '%!q(<nil>)';
  return JSON.stringify(value);
}
