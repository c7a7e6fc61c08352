import { domainToASCII } from 'node:url';

// What the courier accepts as one email address: a bare `local@domain` with no display name,
// brackets, separators, quotes, spaces or control characters. The local part may be UTF-8 (sent
// with SMTPUTF8, RFC 6531, when the server offers it); the domain may be an IDN (sent as punycode).

export const USABLE_ADDRESS = /^[^\s\p{Cc}<>()[\],;:\\"@]+@[^\s\p{Cc}<>()[\],;:\\"@]+$/u;
const NON_ASCII = /[^\x00-\x7f]/;

/** Why an address cannot be used, or null when it can. */
export function addressProblem(address: string): string | null {
  if (!USABLE_ADDRESS.test(address)) return 'is not a plain email address (local@domain, no name, spaces or control characters)';
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  // RFC 5321 limits, counted in octets as they go on the wire (UTF-8 for an international local part).
  if (Buffer.byteLength(local, 'utf8') > 64) return 'has a local part longer than 64 octets';
  if (NON_ASCII.test(local) && local.normalize('NFC') !== local) return 'has a local part that is not in Unicode normal form C (RFC 6532)';
  const ascii = domainToASCII(domain);
  if (!ascii || !ascii.includes('.') || ascii.length > 253) return 'has no valid domain';
  if (Buffer.byteLength(local, 'utf8') + 1 + ascii.length > 254) return 'is longer than 254 octets';
  return null;
}
