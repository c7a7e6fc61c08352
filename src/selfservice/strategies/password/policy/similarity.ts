// Decides whether a password is too close to one of the identity's identifiers, with the same
// outcome as Kratos's password validator:
//
// - both sides are lower-cased one code point at a time (simple case mapping, so 'İ' becomes
//   'i' and a lone 'Σ' becomes 'σ', as Go's strings.ToLower does);
// - the comparison is skipped when either side is longer than 256 UTF-8 bytes, before or after
//   lower-casing, which keeps the O(n·m) work bounded (a short identifier cannot be similar to
//   a long password anyway);
// - the password is too similar when the edit distance between the two is below 5, or when the
//   longest substring they share covers more than half of the password.
//
// Lengths and the edit distance are measured in UTF-8 bytes. The longest common substring
// compares whole code points, but a run only continues across two consecutive code points when
// the earlier one is a single byte (ASCII); after a multi-byte code point it starts again at 1.
// That is how Kratos measures it, and matching it keeps the same passwords accepted and refused.

/** Operands longer than this many UTF-8 bytes are not compared. */
export const MAX_SIMILARITY_OPERAND_BYTES = 256;

/** A password closer than this edit distance to an identifier is refused. */
const MIN_EDIT_DISTANCE = 5;

/** A password sharing a substring longer than this share of its bytes is refused. */
const MAX_SHARED_RATIO = 0.5;

const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** Lower-cases per code point, never changing the number of code points. */
export function lowerSimple(value: string): string {
  if (ASCII_ONLY.test(value)) return value.toLowerCase();
  let out = '';
  for (const ch of value) {
    if (ch === '\u0130') {
      out += 'i';
      continue;
    }
    const lower = ch.toLowerCase();
    // toLowerCase applies full (multi-character) mappings; keep the character when that happens.
    out += lower === ch || isOneCodePoint(lower) ? lower : ch;
  }
  return out;
}

function isOneCodePoint(value: string): boolean {
  const cp = value.codePointAt(0);
  return cp !== undefined && value.length === (cp > 0xffff ? 2 : 1);
}

interface CodePoints {
  /** Code point values, a lone surrogate read as U+FFFD (what its UTF-8 encoding becomes). */
  points: number[];
  /** Byte offset of each code point in the UTF-8 encoding. */
  offsets: number[];
  /** Total UTF-8 length. */
  bytes: number;
}

function utf8Width(cp: number): number {
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp < 0x10000) return 3;
  return 4;
}

function codePoints(value: string): CodePoints {
  const points: number[] = [];
  const offsets: number[] = [];
  let bytes = 0;
  for (const ch of value) {
    let cp = ch.codePointAt(0) as number;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    points.push(cp);
    offsets.push(bytes);
    bytes += utf8Width(cp);
  }
  return { points, offsets, bytes };
}

/** Levenshtein distance between two byte strings. */
export function byteEditDistance(a: Uint8Array, b: Uint8Array): number {
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  const row = new Int32Array(a.length + 1);
  for (let i = 0; i <= a.length; i++) row[i] = i;
  for (let j = 1; j <= b.length; j++) {
    let diagonal = row[0];
    row[0] = j;
    const bj = b[j - 1];
    for (let i = 1; i <= a.length; i++) {
      const above = row[i];
      const substitution = diagonal + (a[i - 1] === bj ? 0 : 1);
      const insertion = row[i - 1] + 1;
      const deletion = above + 1;
      row[i] = substitution < insertion ? (substitution < deletion ? substitution : deletion) : insertion < deletion ? insertion : deletion;
      diagonal = above;
    }
  }
  return row[a.length];
}

/** Length of the longest common substring, counted as Kratos counts it (see the file header). */
export function sharedRunLength(a: string, b: string): number {
  const ca = codePoints(a);
  const cb = codePoints(b);
  if (ca.bytes === 0 || cb.bytes === 0) return 0;
  // Indexed by byte offsets; cells that are not the start of a matching pair stay 0.
  const runs = new Int32Array(ca.bytes * cb.bytes);
  let longest = 0;
  for (let x = 0; x < ca.points.length; x++) {
    const i = ca.offsets[x];
    const pa = ca.points[x];
    for (let y = 0; y < cb.points.length; y++) {
      if (cb.points[y] !== pa) continue;
      const j = cb.offsets[y];
      const run = i > 0 && j > 0 ? runs[(i - 1) * cb.bytes + (j - 1)] + 1 : 1;
      runs[i * cb.bytes + j] = run;
      if (run > longest) longest = run;
    }
  }
  return longest;
}

/** True when the password must be refused as too similar to the identifier. */
export function tooSimilarToIdentifier(identifier: string, password: string): boolean {
  if (identifier.length === 0) return false;
  if (Buffer.byteLength(identifier, 'utf8') > MAX_SIMILARITY_OPERAND_BYTES) return false;
  if (Buffer.byteLength(password, 'utf8') > MAX_SIMILARITY_OPERAND_BYTES) return false;
  const id = lowerSimple(identifier);
  const pw = lowerSimple(password);
  const idBytes = Buffer.from(id, 'utf8');
  const pwBytes = Buffer.from(pw, 'utf8');
  if (idBytes.length > MAX_SIMILARITY_OPERAND_BYTES || pwBytes.length > MAX_SIMILARITY_OPERAND_BYTES) return false;
  if (byteEditDistance(idBytes, pwBytes) < MIN_EDIT_DISTANCE) return true;
  // An empty password gives 0/0, which is no ratio at all and so never "more than half".
  return sharedRunLength(id, pw) / pwBytes.length > MAX_SHARED_RATIO;
}
