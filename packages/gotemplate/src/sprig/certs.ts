// Sprig's certificate functions (genCA, genSelfSignedCert, genSignedCert and their WithKey
// forms, buildCustomCert): X.509 v3 certificates encoded with a small DER writer and signed
// with node:crypto.

import { X509Certificate, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

/** What the functions return; templates read .Cert and .Key (PEM text). */
export class Certificate {
  constructor(
    readonly Cert: string,
    readonly Key: string,
  ) {}
}

// ---- DER --------------------------------------------------------------------------------

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>= 8;
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, ...content: Buffer[]) => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
const seq = (...c: Buffer[]) => tlv(0x30, ...c);
const set = (...c: Buffer[]) => tlv(0x31, ...c);
const explicit = (n: number, ...c: Buffer[]) => tlv(0xa0 + n, ...c);
function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  b = b.subarray(i);
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}
function oid(s: string): Buffer {
  const parts = s.split('.').map(Number);
  const out = [40 * parts[0] + parts[1]];
  for (const p of parts.slice(2)) {
    const stack = [p & 0x7f];
    let v = p >>> 7;
    while (v > 0) {
      stack.unshift(0x80 | (v & 0x7f));
      v >>>= 7;
    }
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const octets = (b: Buffer) => tlv(0x04, b);
const bitString = (b: Buffer, unused = 0) => tlv(0x03, Buffer.from([unused]), b);
const NULL = Buffer.from([0x05, 0x00]);

function time(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, '0');
  const y = d.getUTCFullYear();
  const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return tlv(0x17, Buffer.from(p(y % 100) + rest));
  return tlv(0x18, Buffer.from(String(y).padStart(4, '0') + rest));
}

function name(cn: string): Buffer {
  const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(cn);
  return seq(set(seq(oid('2.5.4.3'), tlv(printable ? 0x13 : 0x0c, Buffer.from(cn, 'utf8')))));
}

/** Reads one TLV at offset: [tag, contentStart, end]. */
function readTLV(b: Buffer, off: number): [number, number, number] {
  const tag = b[off];
  let l = b[off + 1];
  let start = off + 2;
  if (l & 0x80) {
    const n = l & 0x7f;
    l = 0;
    for (let i = 0; i < n; i++) l = (l << 8) | b[off + 2 + i];
    start += n;
  }
  return [tag, start, start + l];
}

/** The raw subject Name of a DER certificate (used as the issuer of certificates it signs). */
function subjectOf(der: Buffer): Buffer {
  const [, certStart] = readTLV(der, 0);
  const [, tbsStart, tbsEnd] = readTLV(der, certStart);
  let off = tbsStart;
  const fields: [number, number][] = [];
  while (off < tbsEnd) {
    const [, , end] = readTLV(der, off);
    fields.push([off, end]);
    off = end;
  }
  const hasVersion = der[fields[0][0]] === 0xa0;
  const [s, e] = fields[(hasVersion ? 1 : 0) + 4];
  return der.subarray(s, e);
}

// ---- keys ---------------------------------------------------------------------------------

function parsePrivateKeyPEM(pem: string): KeyObject {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) throw new Error('no PEM data found');
  try {
    return createPrivateKey(pem);
  } catch (e) {
    throw new Error((e as Error).message);
  }
}

function keyPEM(k: KeyObject): string {
  switch (k.asymmetricKeyType) {
    case 'rsa':
      return k.export({ type: 'pkcs1', format: 'pem' }).toString();
    case 'ec':
      return k.export({ type: 'sec1', format: 'pem' }).toString();
    default:
      return k.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
}

function signatureAlgorithm(k: KeyObject): { alg: Buffer; digest: string | null } {
  switch (k.asymmetricKeyType) {
    case 'rsa':
      return { alg: seq(oid('1.2.840.113549.1.1.11'), NULL), digest: 'sha256' };
    case 'ec':
      return { alg: seq(oid('1.2.840.10045.4.3.2')), digest: 'sha256' };
    case 'ed25519':
      return { alg: seq(oid('1.3.101.112')), digest: null };
    default:
      throw new Error(`unsupported key type ${k.asymmetricKeyType}`);
  }
}

function pem(type: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${type}-----\n${b64}\n-----END ${type}-----\n`;
}

// ---- certificates ---------------------------------------------------------------------------

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const parts = ip.split('::');
  const head = parts[0] ? parts[0].split(':') : [];
  const tail = parts.length > 1 && parts[1] ? parts[1].split(':') : [];
  const groups = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail];
  return Buffer.concat(groups.map((g) => Buffer.from(g.padStart(4, '0'), 'hex')));
}

function strings(list: unknown, what: string): string[] {
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list)) throw new Error(`error parsing ${what}: not a list`);
  return list.map((x) => {
    if (typeof x !== 'string') throw new Error(`error processing ${what}: ${String(x)} is not a string`);
    return x;
  });
}

interface Spec {
  cn: string;
  ips: string[];
  dns: string[];
  days: number;
  isCA: boolean;
}

function build(spec: Spec, subjectKey: KeyObject, issuerName: Buffer | null, signingKey: KeyObject, issuerKeyId: Buffer | null): Certificate {
  const now = new Date();
  const notAfter = new Date(now.getTime() + spec.days * 24 * 3600 * 1000);
  const spki = createPublicKey(subjectKey).export({ type: 'spki', format: 'der' });
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const { alg, digest } = signatureAlgorithm(signingKey);
  const usage = spec.isCA ? [0xa4, 2] : [0xa0, 5]; // digitalSignature|keyEncipherment(|certSign)
  const ski = createHash('sha1').update(readSPKIKey(spki)).digest();
  const exts: Buffer[] = [
    seq(oid('2.5.29.15'), bool(true), octets(bitString(Buffer.from([usage[0]]), usage[1]))),
    seq(oid('2.5.29.37'), octets(seq(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2')))),
    seq(oid('2.5.29.19'), bool(true), octets(spec.isCA ? seq(bool(true)) : seq())),
  ];
  if (spec.isCA) exts.push(seq(oid('2.5.29.14'), octets(octets(ski))));
  if (issuerKeyId) exts.push(seq(oid('2.5.29.35'), octets(seq(tlv(0x80, issuerKeyId)))));
  if (spec.dns.length || spec.ips.length) {
    const names = [...spec.dns.map((d) => tlv(0x82, Buffer.from(d, 'ascii'))), ...spec.ips.map((ip) => tlv(0x87, ipBytes(ip)))];
    exts.push(seq(oid('2.5.29.17'), octets(seq(...names))));
  }
  const subject = name(spec.cn);
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    alg,
    issuerName ?? subject,
    seq(time(now), time(notAfter)),
    subject,
    spki,
    explicit(3, seq(...exts)),
  );
  const signature = sign(digest, tbs, signingKey);
  const der = seq(tbs, alg, bitString(signature));
  return new Certificate(pem('CERTIFICATE', der), keyPEM(subjectKey));
}

/** The subjectPublicKey BIT STRING content of an SPKI (what Go hashes for key ids). */
function readSPKIKey(spki: Buffer): Buffer {
  const [, start] = readTLV(spki, 0);
  const [, , algEnd] = readTLV(spki, start);
  const [, bitStart, bitEnd] = readTLV(spki, algEnd);
  return spki.subarray(bitStart + 1, bitEnd);
}

function rsaKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

function checkIPs(ips: string[]): string[] {
  for (const ip of ips) if (!isIP(ip)) throw new Error(`error parsing ip: ${ip}`);
  return ips;
}

export function genCA(cn: string, days: number, keyPem?: string): Certificate {
  const key = keyPem === undefined ? rsaKey() : parsePrivateKeyPEM(keyPem);
  return build({ cn, ips: [], dns: [], days, isCA: true }, key, null, key, null);
}

export function genSelfSignedCert(cn: string, ips: unknown, dns: unknown, days: number, keyPem?: string): Certificate {
  const key = keyPem === undefined ? rsaKey() : parsePrivateKeyPEM(keyPem);
  return build({ cn, ips: checkIPs(strings(ips, 'ip')), dns: strings(dns, 'alternate DNS'), days, isCA: false }, key, null, key, null);
}

export function genSignedCert(cn: string, ips: unknown, dns: unknown, days: number, ca: unknown, keyPem?: string): Certificate {
  const c = ca as { Cert?: unknown; Key?: unknown } | null;
  if (!c || typeof c.Cert !== 'string' || typeof c.Key !== 'string') throw new Error('wrong type for value; expected sprig.certificate');
  let parent: X509Certificate;
  try {
    parent = new X509Certificate(c.Cert);
  } catch {
    throw new Error('unable to decode certificate');
  }
  const signerKey = parsePrivateKeyPEM(c.Key);
  const key = keyPem === undefined ? rsaKey() : parsePrivateKeyPEM(keyPem);
  const parentSpki = parent.publicKey.export({ type: 'spki', format: 'der' });
  const issuerKeyId = createHash('sha1').update(readSPKIKey(parentSpki)).digest();
  return build({ cn, ips: checkIPs(strings(ips, 'ip')), dns: strings(dns, 'alternate DNS'), days, isCA: false }, key, subjectOf(parent.raw), signerKey, issuerKeyId);
}

export function buildCustomCert(b64cert: string, b64key: string): Certificate {
  const cert = Buffer.from(b64cert, 'base64').toString('utf8');
  const key = Buffer.from(b64key, 'base64').toString('utf8');
  if (!/-----BEGIN CERTIFICATE-----/.test(cert)) throw new Error('unable to decode certificate');
  try {
    new X509Certificate(cert);
  } catch (e) {
    throw new Error(`error parsing certificate: decodedCert.Bytes: ${(e as Error).message}`);
  }
  try {
    parsePrivateKeyPEM(key);
  } catch (e) {
    throw new Error(`error parsing private key: ${(e as Error).message}`);
  }
  return new Certificate(cert, key);
}
