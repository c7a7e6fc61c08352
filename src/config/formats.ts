// The custom formats of the configuration schema (schema.ts). One module, so that the validator
// compiled at run time (validate.ts, from sources) and the one the build compiles ahead of time
// (scripts/config-validator.mjs) check exactly the same thing.
import { isDuration } from '../lib/duration.js';
import { isByteSize } from './byte-size.js';

function isAbsoluteUri(value: string): boolean {
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

export function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    const u = new URL(value);
    return u.hostname !== '';
  } catch {
    return false;
  }
}

export function isUrlOrPath(value: string): boolean {
  if (value.startsWith('/') && !value.startsWith('//')) {
    try {
      new URL(value, 'http://localhost');
      return true;
    } catch {
      return false;
    }
  }
  return isAbsoluteUri(value);
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export interface StringFormat {
  type: 'string';
  validate: (value: string) => boolean;
}

/** Format name → check, as Ajv's `addFormat` takes them. */
export const configFormats: Record<string, StringFormat> = {
  'go-duration': { type: 'string', validate: (v) => isDuration(v) },
  'byte-size': { type: 'string', validate: (v) => isByteSize(v) },
  uri: { type: 'string', validate: isAbsoluteUri },
  'http-url': { type: 'string', validate: isHttpUrl },
  'url-or-path': { type: 'string', validate: isUrlOrPath },
  email: { type: 'string', validate: (v) => EMAIL.test(v) },
};
