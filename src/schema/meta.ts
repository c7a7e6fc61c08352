/**
 * The identity meta-schema rules: what makes a JSON Schema usable as an identity schema beyond
 * being valid JSON Schema. The root must describe `properties.traits` as an object with at least
 * one property; every `ory.sh/kratos` block anywhere in the schema must have the known shape; a
 * trait used for verification must carry a format verification can handle.
 */
export const EXTENSION_KEYWORD = 'ory.sh/kratos';

type Shape = 'boolean' | { enum: readonly string[] } | { readonly [key: string]: Shape };

const VIA = { enum: ['email', 'sms'] } as const;

const EXTENSION_SHAPE: Shape = {
  credentials: {
    password: { identifier: 'boolean' },
    webauthn: { identifier: 'boolean' },
    passkey: { display_name: 'boolean' },
    totp: { account_name: 'boolean' },
    code: { identifier: 'boolean', via: VIA },
  },
  verification: { via: VIA },
  recovery: { via: VIA },
  organizations: { matcher: { enum: ['email_domain'] } },
};

/** Formats a verifiable trait may declare. */
export const VERIFICATION_FORMATS: readonly string[] = ['email', 'tel', 'date', 'time', 'date-time', 'no-validate'];

// Keywords whose values are instance data, not subschemas: their objects are never extension blocks.
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'number' ? 'number' : typeof v;
}

function checkShape(value: unknown, shape: Shape, at: string, problems: string[]): void {
  if (shape === 'boolean') {
    if (typeof value !== 'boolean') problems.push(`${at}: must be a boolean, got ${describe(value)}`);
    return;
  }
  if ('enum' in shape && Array.isArray(shape.enum)) {
    const allowed = shape.enum as readonly string[];
    if (typeof value !== 'string' || !allowed.includes(value)) {
      problems.push(`${at}: must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(value)}`);
    }
    return;
  }
  if (!isObject(value)) {
    problems.push(`${at}: must be an object, got ${describe(value)}`);
    return;
  }
  const fields = shape as { readonly [key: string]: Shape };
  for (const [key, v] of Object.entries(value)) {
    const sub = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (sub === undefined) {
      problems.push(`${at}: unknown key ${JSON.stringify(key)} (allowed: ${Object.keys(fields).join(', ')})`);
      continue;
    }
    checkShape(v, sub, `${at}/${escapePointerToken(key)}`, problems);
  }
}

function walkExtensions(node: unknown, at: string, problems: string[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => walkExtensions(item, `${at}/${i}`, problems));
    return;
  }
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    const ptr = `${at}/${escapePointerToken(key)}`;
    if (key === EXTENSION_KEYWORD) {
      checkShape(value, EXTENSION_SHAPE, ptr, problems);
      continue;
    }
    if (DATA_KEYWORDS.has(key)) continue;
    walkExtensions(value, ptr, problems);
  }
}

/** Lists every way `schema` breaks the identity meta-schema rules (empty when it is fine). */
export function checkIdentityMeta(schema: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(schema)) return [`#: an identity schema must be a JSON object, got ${describe(schema)}`];

  const properties = schema['properties'];
  if (!isObject(properties)) {
    problems.push('#/properties: must be an object that declares "traits"');
  } else if (!Object.hasOwn(properties, 'traits')) {
    problems.push('#/properties: must declare "traits"');
  } else {
    const traits = properties['traits'];
    if (!isObject(traits)) {
      problems.push(`#/properties/traits: must be an object schema, got ${describe(traits)}`);
    } else {
      if ('type' in traits && traits['type'] !== 'object') {
        problems.push(`#/properties/traits/type: must be "object", got ${JSON.stringify(traits['type'])}`);
      }
      const traitProps = traits['properties'];
      if (!isObject(traitProps)) {
        problems.push('#/properties/traits/properties: must be an object with at least one trait');
      } else if (Object.keys(traitProps).length === 0) {
        problems.push('#/properties/traits/properties: must declare at least one trait');
      } else {
        for (const [name, trait] of Object.entries(traitProps)) {
          const ptr = `#/properties/traits/properties/${escapePointerToken(name)}`;
          if (!isObject(trait)) {
            problems.push(`${ptr}: must be an object schema, got ${describe(trait)}`);
            continue;
          }
          const ext = trait[EXTENSION_KEYWORD];
          if (isObject(ext) && Object.hasOwn(ext, 'verification') && 'format' in trait) {
            const format = trait['format'];
            if (typeof format !== 'string' || !VERIFICATION_FORMATS.includes(format)) {
              problems.push(`${ptr}/format: a trait used for verification must have format ${VERIFICATION_FORMATS.map((f) => JSON.stringify(f)).join(', ')}, got ${JSON.stringify(format)}`);
            }
          }
        }
      }
    }
  }

  walkExtensions(schema, '#', problems);
  return problems;
}
