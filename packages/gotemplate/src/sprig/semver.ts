// Semantic versions and constraints with Masterminds/semver v3 syntax.

const VERSION_RE = /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;

export class SemverVersion {
  constructor(
    readonly major: number,
    readonly minor: number,
    readonly patch: number,
    readonly pre: string,
    readonly metadata: string,
    readonly original: string,
  ) {}

  static parse(v: string): SemverVersion {
    const m = VERSION_RE.exec(v);
    if (!m) throw new Error('Invalid Semantic Version');
    const num = (s: string | undefined) => {
      if (s === undefined) return 0;
      const n = Number(s.replace(/^\./, ''));
      if (!Number.isSafeInteger(n)) throw new Error('Invalid Semantic Version');
      return n;
    };
    const pre = m[5] ?? '';
    if (pre) {
      for (const id of pre.split('.')) {
        if (/^[0-9]+$/.test(id) && id.length > 1 && id[0] === '0') throw new Error('Version segment starts with 0');
      }
    }
    return new SemverVersion(num(m[1]), num(m[2]), num(m[3]), pre, m[8] ?? '', v);
  }

  // Go-style methods, callable from templates as .Major etc.
  Major() { return this.major; }
  Minor() { return this.minor; }
  Patch() { return this.patch; }
  Prerelease() { return this.pre; }
  Metadata() { return this.metadata; }
  Original() { return this.original; }
  String(): string {
    let s = `${this.major}.${this.minor}.${this.patch}`;
    if (this.pre) s += '-' + this.pre;
    if (this.metadata) s += '+' + this.metadata;
    return s;
  }
  toString(): string {
    return this.String();
  }
  Compare(o: SemverVersion): number {
    return compareVersions(this, o);
  }
  LessThan(o: SemverVersion): boolean {
    return compareVersions(this, o) < 0;
  }
  GreaterThan(o: SemverVersion): boolean {
    return compareVersions(this, o) > 0;
  }
  Equal(o: SemverVersion): boolean {
    return compareVersions(this, o) === 0;
  }
}

function comparePrePart(a: string, b: string): number {
  if (a === b) return 0;
  const an = /^[0-9]+$/.test(a);
  const bn = /^[0-9]+$/.test(b);
  if (an && bn) return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0;
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : 1;
}

export function compareVersions(a: SemverVersion, b: SemverVersion): number {
  for (const k of ['major', 'minor', 'patch'] as const) {
    if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  }
  if (a.pre === b.pre) return 0;
  if (!a.pre) return 1;
  if (!b.pre) return -1;
  const ap = a.pre.split('.');
  const bp = b.pre.split('.');
  for (let i = 0; i < Math.max(ap.length, bp.length); i++) {
    if (i >= ap.length) return -1;
    if (i >= bp.length) return 1;
    const c = comparePrePart(ap[i], bp[i]);
    if (c) return c;
  }
  return 0;
}

interface Constraint {
  op: string;
  con: SemverVersion;
  dirty: boolean;
  minorDirty: boolean;
  patchDirty: boolean;
}

const isX = (s: string) => s === 'x' || s === 'X' || s === '*';

const CV = 'v?([0-9|x|X|\\*]+)(\\.[0-9|x|X|\\*]+)?(\\.[0-9|x|X|\\*]+)?(-([0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*))?(\\+([0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*))?';

function parseConstraint(c: string): Constraint {
  const m = /^\s*(!=|>=|=>|<=|=<|~>|=|>|<|~|\^)?\s*(.*?)\s*$/.exec(c);
  if (!m) throw new Error(`improper constraint: ${c}`);
  const op = m[1] ?? '';
  const ver = m[2];
  const vm = new RegExp(`^${CV}$`).exec(ver);
  if (!vm || ver === '') throw new Error(`improper constraint: ${c}`);
  const parts = [vm[1], vm[2]?.slice(1), vm[3]?.slice(1)];
  let dirty = false;
  let minorDirty = false;
  let patchDirty = false;
  let v: string;
  const rest = (vm[4] ?? '') + (vm[7] ?? '');
  if (isX(parts[0]!)) {
    v = '0.0.0';
    dirty = true;
  } else if (parts[1] !== undefined && isX(parts[1])) {
    minorDirty = true;
    dirty = true;
    v = `${parts[0]}.0.0${rest}`;
  } else if (parts[2] !== undefined && isX(parts[2])) {
    dirty = true;
    patchDirty = true;
    v = `${parts[0]}.${parts[1]}.0${rest}`;
  } else {
    v = ver;
    if (parts[1] === undefined || parts[2] === undefined) {
      // a short version in a constraint ("1.2", "2") counts as a wildcard for the missing parts
      dirty = true;
      if (parts[1] === undefined) minorDirty = true;
      else patchDirty = true;
    }
  }
  let con: SemverVersion;
  try {
    con = SemverVersion.parse(v);
  } catch {
    throw new Error(`improper constraint: ${c}`);
  }
  return { op, con, dirty, minorDirty, patchDirty };
}

let includePre = false;
function preOK(v: SemverVersion, _c: Constraint): boolean {
  return !(v.pre !== '' && !includePre);
}

function check(v: SemverVersion, c: Constraint): boolean {
  if (!preOK(v, c)) return false;
  const cmp = compareVersions(v, c.con);
  switch (c.op) {
    case '':
    case '=':
      if (c.dirty) return tilde(v, c);
      return cmp === 0;
    case '!=':
      if (c.dirty) {
        if (c.con.major !== v.major) return true;
        if (c.con.minor !== v.minor && !c.minorDirty) return true;
        if (c.minorDirty) return false;
        if (c.con.patch !== v.patch && !c.patchDirty) return true;
        if (c.patchDirty) return false;
      }
      return cmp !== 0;
    case '>':
      if (!preOK(v, c)) return false;
      if (!c.dirty) return cmp > 0;
      if (v.major !== c.con.major) return v.major > c.con.major;
      if (c.minorDirty) return false;
      if (c.patchDirty) return v.minor > c.con.minor;
      return cmp > 0;
    case '<':
      if (!preOK(v, c)) return false;
      return cmp < 0;
    case '>=':
    case '=>':
      if (!preOK(v, c)) return false;
      return cmp >= 0;
    case '<=':
    case '=<':
      if (!preOK(v, c)) return false;
      if (!c.dirty) return cmp <= 0;
      if (v.major > c.con.major) return false;
      if (v.major === c.con.major && v.minor > c.con.minor && !c.minorDirty) return false;
      return true;
    case '~':
    case '~>':
      return tilde(v, c);
    case '^':
      return caret(v, c);
  }
  return false;
}

function tilde(v: SemverVersion, c: Constraint): boolean {
  if (!preOK(v, c)) return false;
  if (compareVersions(v, c.con) < 0) return false;
  if (c.con.major === 0 && c.con.minor === 0 && c.con.patch === 0 && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== c.con.major) return false;
  if (v.minor !== c.con.minor && !c.minorDirty) return false;
  return true;
}

function caret(v: SemverVersion, c: Constraint): boolean {
  if (!preOK(v, c)) return false;
  if (compareVersions(v, c.con) < 0) return false;
  if (c.con.major > 0 || c.minorDirty) return v.major === c.con.major;
  if (v.major > 0) return false;
  if (c.con.minor > 0 || c.patchDirty) return v.minor === c.con.minor;
  if (v.minor > 0) return false;
  return v.patch === c.con.patch;
}

/** Parses "a || b, c" style constraints into OR-groups of AND-ed constraints. */
export function parseConstraints(s: string): Constraint[][] {
  const groups: Constraint[][] = [];
  for (const orPart of s.split('||')) {
    let p = orPart.trim();
    // hyphen ranges "1.2 - 1.4.5"
    p = p.replace(/(\S+)\s+-\s+(\S+)/g, '>= $1, <= $2');
    // split on commas or whitespace between constraints
    const tokens = p
      .replace(/(!=|>=|=>|<=|=<|~>|=|>|<|~|\^)\s+/g, '$1')
      .split(/[\s,]+/)
      .filter(Boolean);
    if (tokens.length === 0) throw new Error(`improper constraint: ${s}`);
    try {
      groups.push(tokens.map(parseConstraint));
    } catch {
      throw new Error(`improper constraint: ${orPart.trim()}`);
    }
  }
  return groups;
}

export function semverCompare(constraint: string, version: string): boolean {
  const groups = parseConstraints(constraint);
  const v = SemverVersion.parse(version);
  return groups.some((g) => {
    includePre = g.some((c) => c.con.pre !== '');
    return g.every((c) => check(v, c));
  });
}
