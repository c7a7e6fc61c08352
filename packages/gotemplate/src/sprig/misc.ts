// Sprig dates, regex, semver, crypto, encoding, URL, path, OS and UUID functions.

import { createCipheriv, createDecipheriv, createHash, createHmac, generateKeyPairSync, randomBytes, randomUUID, scryptSync } from 'node:crypto';
import { posix } from 'node:path';
import { goFunc } from '../funcs.js';
import type { GoFunc } from '../funcs.js';
import { GoTime, UTC, formatDuration, loadLocation, localLocation, parseDuration, parseTime } from '../time.js';
import { asStringSlice, reflectKind } from '../values.js';
import { compile, findAll, quoteMeta, replaceAll, split } from './regex.js';
import { bcryptHash } from './bcrypt.js';
import { getHostByName } from './network.js';
import { buildCustomCert, genCA, genSelfSignedCert, genSignedCert } from './certs.js';
import { SemverVersion, semverCompare } from './semver.js';

// ---- dates ----

function toTime(d: unknown): GoTime | null {
  if (d instanceof GoTime) return d;
  if (d instanceof Date) return GoTime.fromDate(d);
  if (typeof d === 'bigint') return GoTime.unix(Number(d));
  if (typeof d === 'number' && Number.isInteger(d)) return GoTime.unix(d);
  return null;
}

function dateInZone(fmt: string, date: unknown, zone: string): string {
  const t = toTime(date) ?? GoTime.now();
  let loc;
  try {
    loc = loadLocation(zone);
  } catch {
    loc = UTC;
  }
  return t.in(loc).format(fmt);
}

function dateModify(fmt: string, date: GoTime): GoTime {
  try {
    return date.add(parseDuration(fmt));
  } catch {
    return date;
  }
}

function durationOf(v: unknown): number {
  if (typeof v === 'string') return /^[+-]?[0-9]+$/.test(v) ? Number(v) : 0;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  return 0;
}

function durationRound(v: unknown): string {
  let d = 0;
  if (typeof v === 'string') {
    try {
      d = parseDuration(v);
    } catch {
      d = 0;
    }
  } else if (typeof v === 'bigint') d = Number(v);
  else if (typeof v === 'number' && Number.isInteger(v)) d = v;
  else if (v instanceof GoTime) d = GoTime.now().sub(v);
  let u = Math.abs(d);
  const second = 1e9;
  const minute = 60 * second;
  const hour = 60 * minute;
  const day = 24 * hour;
  const month = 30 * day;
  const year = 365 * day;
  if (u > year) return Math.floor(u / year) + 'y';
  if (u > month) return Math.floor(u / month) + 'mo';
  if (u > day) return Math.floor(u / day) + 'd';
  if (u > hour) return Math.floor(u / hour) + 'h';
  if (u > minute) return Math.floor(u / minute) + 'm';
  if (u > second) return Math.floor(u / second) + 's';
  u = 0;
  return '0s';
}

function ago(date: unknown): string {
  const t = toTime(date) ?? GoTime.now();
  const ns = GoTime.now().sub(t);
  return formatDuration(Math.round(ns / 1e9) * 1e9);
}

function toDate(fmt: string, s: string): GoTime {
  return parseTime(fmt, s, localLocation());
}

// ---- URLs ----

function urlParse(v: string): Record<string, unknown> {
  const m = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s.exec(v);
  if (!m) throw new Error(`unable to parse url: parse ${JSON.stringify(v)}: invalid URL`);
  const scheme = m[1] ?? '';
  let host = m[3] ?? '';
  let userinfo = '';
  const at = host.lastIndexOf('@');
  if (at >= 0) {
    userinfo = host.slice(0, at);
    host = host.slice(at + 1);
  }
  let path = m[4] ?? '';
  let opaque = '';
  if (scheme && m[2] === undefined && !path.startsWith('/')) {
    opaque = path;
    path = '';
  }
  const hostname = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d*$/, '');
  let decodedPath = path;
  try {
    decodedPath = decodeURIComponent(path);
  } catch {
    throw new Error(`unable to parse url: parse ${JSON.stringify(v)}: invalid URL escape`);
  }
  let fragment = m[6] ?? '';
  try {
    fragment = decodeURIComponent(fragment);
  } catch {
    /* keep raw */
  }
  return { scheme, host, hostname, path: decodedPath, query: m[5] ?? '', opaque, fragment, userinfo };
}

function dictString(d: Record<string, unknown>, key: string): string {
  if (!(key in d)) return '';
  const v = d[key];
  if (typeof v !== 'string') throw new Error(`unable to parse ${key} key, must be of type string, but ${reflectKind(v)} found`);
  return v;
}

function escapePath(p: string): string {
  return p.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''));
}

function urlJoin(d: Record<string, unknown>): string {
  const scheme = dictString(d, 'scheme');
  const host = dictString(d, 'host');
  const path = dictString(d, 'path');
  const query = dictString(d, 'query');
  const opaque = dictString(d, 'opaque');
  const fragment = dictString(d, 'fragment');
  const userinfo = dictString(d, 'userinfo');
  let s = '';
  if (scheme) s += scheme + ':';
  if (opaque) s += opaque;
  else {
    if (scheme || host || userinfo) {
      if (host || path || userinfo) s += '//';
      if (userinfo) s += userinfo + '@';
      s += host;
    }
    if (path && !path.startsWith('/') && host) s += '/';
    s += escapePath(path);
  }
  if (query) s += '?' + query;
  if (fragment) s += '#' + fragment.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/?]/gu, (c) => encodeURIComponent(c));
  return s;
}

// ---- paths (Go's path package) ----

function pathClean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length && parts[parts.length - 1] !== '..') parts.pop();
      else if (!rooted) parts.push('..');
      continue;
    }
    parts.push(seg);
  }
  const out = (rooted ? '/' : '') + parts.join('/');
  return out === '' ? '.' : out;
}

function pathBase(p: string): string {
  if (p === '') return '.';
  p = p.replace(/\/+$/, '');
  if (p === '') return '/';
  return p.slice(p.lastIndexOf('/') + 1);
}

function pathDir(p: string): string {
  const i = p.lastIndexOf('/');
  return pathClean(p.slice(0, i + 1));
}

function pathExt(p: string): string {
  for (let i = p.length - 1; i >= 0 && p[i] !== '/'; i--) if (p[i] === '.') return p.slice(i);
  return '';
}

// ---- crypto ----

function adler32(s: string): string {
  let a = 1;
  let b = 0;
  for (const x of Buffer.from(s, 'utf8')) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return String(((b << 16) | a) >>> 0);
}

function encryptAES(password: string, plaintext: string): string {
  const key = Buffer.alloc(32);
  Buffer.from(password, 'utf8').copy(key);
  const content = Buffer.from(plaintext, 'utf8');
  const pad = 16 - (content.length % 16);
  const padded = Buffer.concat([content, Buffer.alloc(pad, pad)]);
  const iv = randomBytes(16);
  const c = createCipheriv('aes-256-cbc', key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([iv, c.update(padded), c.final()]).toString('base64');
}

function decryptAES(password: string, crypt64: string): string {
  const key = Buffer.alloc(32);
  Buffer.from(password, 'utf8').copy(key);
  const crypt = Buffer.from(crypt64, 'base64');
  if (crypt.length === 0) return '';
  if (crypt.length < 16) throw new Error('ciphertext too short');
  const iv = crypt.subarray(0, 16);
  const body = crypt.subarray(16);
  if (body.length % 16 !== 0) throw new Error('crypto/cipher: input not full blocks');
  const d = createDecipheriv('aes-256-cbc', key, iv);
  d.setAutoPadding(false);
  const out = Buffer.concat([d.update(body), d.final()]);
  const pad = out[out.length - 1];
  return out.subarray(0, out.length - pad).toString('utf8');
}

const TEMPLATES: Record<string, string[]> = {
  maximum: ['anoxxxxxxxxxxxxxxxxx', 'axxxxxxxxxxxxxxxxxno'],
  long: ['CvcvnoCvcvCvcv', 'CvcvCvcvnoCvcv', 'CvcvCvcvCvcvno', 'CvccnoCvcvCvcv', 'CvccCvcvnoCvcv', 'CvccCvcvCvcvno', 'CvcvnoCvccCvcv', 'CvcvCvccnoCvcv', 'CvcvCvccCvcvno', 'CvcvnoCvcvCvcc', 'CvcvCvcvnoCvcc', 'CvcvCvcvCvccno', 'CvccnoCvccCvcv', 'CvccCvccnoCvcv', 'CvccCvccCvcvno', 'CvcvnoCvccCvcc', 'CvcvCvccnoCvcc', 'CvcvCvccCvccno', 'CvccnoCvcvCvcc', 'CvccCvcvnoCvcc', 'CvccCvcvCvccno'],
  medium: ['CvcnoCvc', 'CvcCvcno'],
  short: ['Cvcn'],
  basic: ['aaanaaan', 'aannaaan', 'aaannaaa'],
  pin: ['nnnn'],
};
const CHARS: Record<string, string> = {
  V: 'AEIOU', C: 'BCDFGHJKLMNPQRSTVWXYZ', v: 'aeiou', c: 'bcdfghjklmnpqrstvwxyz', A: 'AEIOUBCDFGHJKLMNPQRSTVWXYZ',
  a: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz', n: '0123456789', o: "@&%?,=[]_:-+*$#!'^~;()/.", x: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()',
};

function derivePassword(counter: number, passwordType: string, password: string, user: string, site: string): string {
  const templates = Object.hasOwn(TEMPLATES, passwordType) ? TEMPLATES[passwordType] : undefined;
  if (!templates) return `cannot find password template ${passwordType}`;
  const masterPasswordSeed = 'com.lyndir.masterpassword';
  const userBytes = Buffer.from(user, 'utf8');
  const seed = Buffer.concat([Buffer.from(masterPasswordSeed), u32(userBytes.length), userBytes]);
  const key = scryptSync(password, seed, 64, { N: 32768, r: 8, p: 2, maxmem: 128 * 32768 * 8 * 2 + 1024 * 1024 });
  const siteBytes = Buffer.from(site, 'utf8');
  const siteSeed = Buffer.concat([Buffer.from(masterPasswordSeed), u32(siteBytes.length), siteBytes, u32(counter)]);
  const hash = createHmac('sha256', key).update(siteSeed).digest();
  const tpl = templates[hash[0] % templates.length];
  let out = '';
  for (let i = 0; i < tpl.length; i++) {
    const chars = CHARS[tpl[i]];
    out += chars[hash[i + 1] % chars.length];
  }
  return out;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function genPrivateKey(typ: string): string {
  switch (typ) {
    case '':
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: 4096 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    case 'ecdsa':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    case 'ed25519':
      return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    case 'dsa':
      return generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
  return 'Unknown type ' + typ;
}

function bcrypt(input: string): string {
  try {
    return bcryptHash(input, 10);
  } catch (e) {
    return `failed to encrypt string with bcrypt: ${(e as Error).message}`;
  }
}

// ---- regex functions ----

function mustCompile(re: string): RegExp {
  try {
    return compile(re);
  } catch (e) {
    throw new Error(`regexp: Compile(${'`' + re + '`'}): ${(e as Error).message}`);
  }
}

const RE = {
  match: (re: string, s: string, must: boolean) => {
    let r: RegExp;
    try {
      r = compile(re);
    } catch (e) {
      if (must) throw e;
      return false;
    }
    return findAll(r, s, 1).length > 0;
  },
  findAll: (r: RegExp, s: string, n: number) => {
    const ms = findAll(r, s, n < 0 ? -1 : n);
    return asStringSlice(ms.map((m) => m[0]));
  },
  find: (r: RegExp, s: string) => {
    const ms = findAll(r, s, 1);
    return ms.length ? ms[0][0] : '';
  },
};

const str2 = (fn: (a: string, b: string) => unknown) => goFunc(['string', 'string'], fn);

export const MISC_FUNCS: Record<string, GoFunc> = {
  // dates
  ago: goFunc(['any'], ago),
  date: goFunc(['string', 'any'], (fmt: string, d: unknown) => dateInZone(fmt, d, 'Local')),
  date_in_zone: goFunc(['string', 'any', 'string'], dateInZone),
  dateInZone: goFunc(['string', 'any', 'string'], dateInZone),
  date_modify: goFunc(['string', 'time'], dateModify),
  dateModify: goFunc(['string', 'time'], dateModify),
  must_date_modify: goFunc(['string', 'time'], (fmt: string, d: GoTime) => d.add(parseDuration(fmt))),
  mustDateModify: goFunc(['string', 'time'], (fmt: string, d: GoTime) => d.add(parseDuration(fmt))),
  duration: goFunc(['any'], (v: unknown) => formatDuration(BigInt(durationOf(v)) * 1000000000n)),
  durationRound: goFunc(['any'], durationRound),
  htmlDate: goFunc(['any'], (d: unknown) => dateInZone('2006-01-02', d, 'Local')),
  htmlDateInZone: goFunc(['any', 'string'], (d: unknown, z: string) => dateInZone('2006-01-02', d, z)),
  now: goFunc([], () => GoTime.now()),
  toDate: goFunc(['string', 'string'], (fmt: string, s: string) => {
    try {
      return toDate(fmt, s);
    } catch {
      return new GoTime(-62135596800, 0, localLocation());
    }
  }),
  mustToDate: goFunc(['string', 'string'], toDate),
  unixEpoch: goFunc(['time'], (t: GoTime) => String(t.sec)),

  // regex
  regexMatch: str2((re, s) => RE.match(re, s, false)),
  mustRegexMatch: str2((re, s) => RE.match(re, s, true)),
  regexFindAll: goFunc(['string', 'string', 'int'], (re: string, s: string, n: number) => RE.findAll(mustCompile(re), s, n)),
  mustRegexFindAll: goFunc(['string', 'string', 'int'], (re: string, s: string, n: number) => RE.findAll(compile(re), s, n)),
  regexFind: str2((re, s) => RE.find(mustCompile(re), s)),
  mustRegexFind: str2((re, s) => RE.find(compile(re), s)),
  regexReplaceAll: goFunc(['string', 'string', 'string'], (re: string, s: string, repl: string) => replaceAll(mustCompile(re), s, repl, false)),
  mustRegexReplaceAll: goFunc(['string', 'string', 'string'], (re: string, s: string, repl: string) => replaceAll(compile(re), s, repl, false)),
  regexReplaceAllLiteral: goFunc(['string', 'string', 'string'], (re: string, s: string, repl: string) => replaceAll(mustCompile(re), s, repl, true)),
  mustRegexReplaceAllLiteral: goFunc(['string', 'string', 'string'], (re: string, s: string, repl: string) => replaceAll(compile(re), s, repl, true)),
  regexSplit: goFunc(['string', 'string', 'int'], (re: string, s: string, n: number) => {
    const r = split(mustCompile(re), re, s, n);
    return asStringSlice(r ?? []);
  }),
  mustRegexSplit: goFunc(['string', 'string', 'int'], (re: string, s: string, n: number) => {
    const r = split(compile(re), re, s, n);
    return asStringSlice(r ?? []);
  }),
  regexQuoteMeta: goFunc(['string'], quoteMeta),

  // semver
  semver: goFunc(['string'], (v: string) => SemverVersion.parse(v)),
  semverCompare: str2(semverCompare),

  // crypto and hashes
  sha1sum: goFunc(['string'], (s: string) => createHash('sha1').update(s, 'utf8').digest('hex')),
  sha256sum: goFunc(['string'], (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')),
  sha512sum: goFunc(['string'], (s: string) => createHash('sha512').update(s, 'utf8').digest('hex')),
  adler32sum: goFunc(['string'], adler32),
  derivePassword: goFunc(['int', 'string', 'string', 'string', 'string'], derivePassword),
  genPrivateKey: goFunc(['string'], genPrivateKey),
  bcrypt: goFunc(['string'], bcrypt),
  genCA: goFunc(['string', 'int'], (cn: string, days: number) => genCA(cn, days)),
  genCAWithKey: goFunc(['string', 'int', 'string'], (cn: string, days: number, key: string) => genCA(cn, days, key)),
  genSelfSignedCert: goFunc(['string', 'any', 'any', 'int'], (cn: string, ips: unknown, dns: unknown, days: number) => genSelfSignedCert(cn, ips, dns, days)),
  genSelfSignedCertWithKey: goFunc(['string', 'any', 'any', 'int', 'string'], (cn: string, ips: unknown, dns: unknown, days: number, key: string) => genSelfSignedCert(cn, ips, dns, days, key)),
  genSignedCert: goFunc(['string', 'any', 'any', 'int', 'any'], (cn: string, ips: unknown, dns: unknown, days: number, ca: unknown) => genSignedCert(cn, ips, dns, days, ca)),
  genSignedCertWithKey: goFunc(['string', 'any', 'any', 'int', 'any', 'string'], (cn: string, ips: unknown, dns: unknown, days: number, ca: unknown, key: string) => genSignedCert(cn, ips, dns, days, ca, key)),
  buildCustomCert: goFunc(['string', 'string'], buildCustomCert),
  htpasswd: goFunc(['string', 'string', 'string'], (user: string, password: string, algorithm: string) => {
    if (user.includes(':')) return `invalid username: ${user}`;
    if (algorithm === 'sha') return `${user}:{SHA}${createHash('sha1').update(password, 'utf8').digest('base64')}`;
    return `${user}:${bcrypt(password)}`;
  }),
  encryptAES: str2(encryptAES),
  decryptAES: str2(decryptAES),
  uuidv4: goFunc([], () => randomUUID()),

  // URLs
  urlParse: goFunc(['string'], urlParse),
  urlJoin: goFunc(['map'], (d: Record<string, unknown> | null) => urlJoin(d ?? {})),

  // paths
  base: goFunc(['string'], pathBase),
  dir: goFunc(['string'], pathDir),
  clean: goFunc(['string'], pathClean),
  ext: goFunc(['string'], pathExt),
  isAbs: goFunc(['string'], (p: string) => p.startsWith('/')),
  osBase: goFunc(['string'], pathBase),
  osClean: goFunc(['string'], pathClean),
  osDir: goFunc(['string'], pathDir),
  osExt: goFunc(['string'], pathExt),
  osIsAbs: goFunc(['string'], (p: string) => posix.isAbsolute(p)),

  // network
  getHostByName: goFunc(['string'], getHostByName),

  // OS
  env: goFunc(['string'], (k: string) => process.env[k] ?? ''),
  expandenv: goFunc(['string'], (s: string) =>
    s.replace(/\$(\{([^}]*)\}|([A-Za-z0-9_]+|[*#$@!?\-0-9]))/g, (_m, _a, braced?: string, bare?: string) => process.env[(braced ?? bare)!] ?? ''),
  ),
};

