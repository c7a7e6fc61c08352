/**
 * Formatters that print values the way Go's `fmt`, `strconv`, `time` and `x/text/cases` do, because
 * the UI texts clients match on were produced by Go verbs (`%q`, `%v`, `%.2f`, a `time.Time`'s
 * `String()`), and message contexts carry Go's JSON encoding of times. Only the value kinds a UI
 * text can hold are handled.
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

/**
 * Go's `%.<precision>f`: the exact binary value rounded to `precision` decimals, with exact ties
 * rounded to even (JavaScript's toFixed rounds those up: 0.125 -> "0.13" where Go prints "0.12").
 */
export function goFixed(value: number, precision: number): string {
  if (!Number.isFinite(value)) return goFloat(value);
  const tie = exactTie(Math.abs(value), precision);
  if (tie === undefined) return value.toFixed(precision);
  // tie = the kept digits (as an integer) below the exact half; round to the even neighbour.
  const keep = tie % 2n === 0n ? tie : tie + 1n;
  const digits = keep.toString().padStart(precision + 1, '0');
  const intPart = digits.slice(0, digits.length - precision);
  const out = precision > 0 ? `${intPart}.${digits.slice(digits.length - precision)}` : intPart;
  return value < 0 ? `-${out}` : out;
}

/** When `value * 10^precision` is exactly halfway between two integers, the lower one. */
function exactTie(value: number, precision: number): bigint | undefined {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const biasedExp = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & 0xfffffffffffffn;
  let exp: number;
  if (biasedExp === 0) exp = -1074;
  else {
    mantissa |= 1n << 52n;
    exp = biasedExp - 1075;
  }
  if (mantissa === 0n || exp >= 0) return undefined; // zero or an integer: never a tie
  // value = mantissa / 2^-exp; value * 10^p * 2 must be an odd integer.
  const numerator = mantissa * 10n ** BigInt(precision) * 2n;
  const denominator = 1n << BigInt(-exp);
  if (numerator % denominator !== 0n) return undefined;
  const doubled = numerator / denominator;
  if (doubled % 2n === 0n) return undefined;
  return doubled / 2n;
}

/**
 * The minutes between two instants the way Go's `Duration.Minutes()` computes them from the
 * nanosecond count (whole minutes plus the remainder as a fraction), so `%.2f` of it matches.
 */
export function goDurationMinutes(fromMs: number, toMs: number): number {
  const nanos = BigInt(Math.round(toMs - fromMs)) * 1_000_000n;
  const minute = 60_000_000_000n;
  const whole = nanos / minute;
  const rest = nanos % minute;
  return Number(whole) + Number(rest) / 60e9;
}

function pad(n: number, width = 2): string {
  return n.toString().padStart(width, '0');
}

function fraction(ms: number): string {
  if (ms === 0) return '';
  return '.' + pad(ms, 3).replace(/0+$/, '');
}

/**
 * A UTC `time.Time` as Go's `String()` prints it: `2006-01-02 15:04:05.999999999 +0000 UTC`
 * (fractional seconds only when non-zero, trailing zeros trimmed).
 */
export function goTimeString(date: Date): string {
  return (
    `${date.getUTCFullYear().toString().padStart(4, '0')}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}` +
    `${fraction(date.getUTCMilliseconds())} +0000 UTC`
  );
}

/** A UTC `time.Time` as Go's JSON encoder writes it (RFC 3339 with trimmed fractional seconds). */
export function goTimeJSON(date: Date): string {
  return (
    `${date.getUTCFullYear().toString().padStart(4, '0')}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}` +
    `${fraction(date.getUTCMilliseconds())}Z`
  );
}

/** Go's `time.Time.Unix()`: whole seconds since the epoch, rounded toward negative infinity. */
export function goUnix(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

const WORD = /[\p{L}\p{N}\p{M}_]/u;
const MID = /['.:\u2019\u00b7]/u;

/**
 * English title casing as `cases.Title(language.English)` does it: the first letter of every word
 * upper case, the rest lower case. Words are runs of letters, digits, marks and `_`, joined across
 * one apostrophe, period or colon between two word characters ("o'neil" -> "O'neil").
 */
export function goTitleCase(value: string): string {
  const chars = [...value];
  let out = '';
  let inWord = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (WORD.test(ch)) {
      out += inWord ? ch.toLowerCase() : ch.toUpperCase();
      inWord = true;
    } else if (inWord && MID.test(ch) && i + 1 < chars.length && WORD.test(chars[i + 1])) {
      out += ch;
    } else {
      out += ch;
      inWord = false;
    }
  }
  return out;
}
