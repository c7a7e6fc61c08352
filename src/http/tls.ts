import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Config, TlsSourceConfig } from '../config/config.js';

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
}

/** A TLS setting that cannot be used: the message names the key and the reason, never the key's content. */
export class TlsSettingsError extends Error {}

function read(source: TlsSourceConfig, at: string): Buffer {
  if (source.base64 !== undefined) {
    const pem = Buffer.from(source.base64, 'base64');
    if (!pem.toString('latin1').includes('-----BEGIN ')) throw new TlsSettingsError(`${at}.base64: is not the base64 encoding of a PEM file`);
    return pem;
  }
  try {
    return readFileSync(source.path);
  } catch (err) {
    throw new TlsSettingsError(`${at}.path: cannot read ${source.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * The key and certificate chain `serve.<api>.tls` names (each a PEM file path or inline base64, as
 * Kratos reads them), or undefined when TLS is not configured for that API. Throws
 * TlsSettingsError when a file cannot be read, is not PEM, or the key does not match the certificate.
 */
export function tlsMaterial(config: Config, api: 'public' | 'admin'): TlsMaterial | undefined {
  const tls = config.values.serve[api].tls;
  if (!tls?.key || !tls.cert) return undefined;
  const at = `serve.${api}.tls`;
  const material = { key: read(tls.key, `${at}.key`), cert: read(tls.cert, `${at}.cert`) };
  try {
    createSecureContext(material);
  } catch (err) {
    throw new TlsSettingsError(`${at}: the key and certificate cannot be used together: ${(err as Error).message}`);
  }
  return material;
}
