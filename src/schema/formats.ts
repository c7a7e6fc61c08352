/**
 * The `format` values identity schemas may use, with Kratos's meaning: `email` (an RFC 5322
 * addr-spec whose domain is a host name), `tel` (a valid international phone number, as
 * libphonenumber judges it), `no-validate` (anything), and the usual JSON Schema formats. Formats
 * Kratos does not know are ignored, as Kratos ignores them.
 */
import type { Ajv } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { createRequire } from 'node:module';

// libphonenumber's metadata is large; it is loaded on the first phone number checked, not at start.
const require = createRequire(import.meta.url);
let phoneParser: typeof import('libphonenumber-js/max').parsePhoneNumberFromString | undefined;
function parsePhoneNumberFromString(value: string) {
  phoneParser ??= (require('libphonenumber-js/max') as typeof import('libphonenumber-js/max')).parsePhoneNumberFromString;
  return phoneParser(value);
}

/** RFC 1034/1123 host name: dot-separated labels of letters, digits and hyphens. */
export function isHostname(value: string): boolean {
  const s = value.endsWith('.') ? value.slice(0, -1) : value;
  if (s.length === 0 || s.length > 253 || s.startsWith('-')) return false;
  for (const label of s.split('.')) {
    if (label.length < 1 || label.length > 63 || label.endsWith('-')) return false;
    if (!/^[A-Za-z0-9-]+$/.test(label)) return false;
  }
  return true;
}

// atext: any visible character but the RFC 5322 specials; non-ASCII letters are allowed.
const ATOM = String.raw`[^\s\x00-\x20\x7f()<>\[\]:;@\\,".]+`;
const DOT_ATOM = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`, 'u');
const QUOTED_STRING = /^"(?:[^"\\\r\n]|\\[\s\S])*"$/u;

/** An email address as Kratos's `email` format accepts it. */
export function isEmail(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (Buffer.byteLength(value) > 254) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (Buffer.byteLength(local) > 64) return false;
  if (domain.endsWith('.') || !isHostname(domain)) return false;
  return DOT_ATOM.test(local) || QUOTED_STRING.test(local);
}

/** A phone number in international form that is valid for its country. */
export function isPhoneNumber(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const parsed = parsePhoneNumberFromString(value);
  return parsed !== undefined && parsed.isValid();
}

/** The E.164 form of a valid phone number, or undefined when it is not one. */
export function toE164(value: string): string | undefined {
  const parsed = parsePhoneNumberFromString(value);
  return parsed !== undefined && parsed.isValid() ? parsed.number : undefined;
}

function isAbsoluteIri(value: string): boolean {
  try {
    return new URL(value).protocol.length > 1;
  } catch {
    return false;
  }
}

function isIriReference(value: string): boolean {
  try {
    new URL(value, 'http://base.invalid/');
    return true;
  } catch {
    return false;
  }
}

// The standard formats Kratos validates; ajv-formats implements them in "full" mode.
const STANDARD = ['date', 'time', 'date-time', 'hostname', 'ipv4', 'ipv6', 'uri', 'uri-reference', 'uri-template', 'regex', 'json-pointer', 'relative-json-pointer'] as const;

/** Registers the identity-schema formats on an Ajv instance. */
export function addIdentityFormats(ajv: Ajv): void {
  formatsPlugin.default(ajv, { mode: 'full', formats: [...STANDARD] });
  ajv.addFormat('email', { type: 'string', validate: isEmail });
  ajv.addFormat('tel', { type: 'string', validate: isPhoneNumber });
  ajv.addFormat('no-validate', true);
  ajv.addFormat('ip-address', ajv.formats['ipv4']!);
  ajv.addFormat('iri', { type: 'string', validate: isAbsoluteIri });
  ajv.addFormat('iri-reference', { type: 'string', validate: isIriReference });
  ajv.addFormat('uriref', ajv.formats['uri-reference']!);
}
