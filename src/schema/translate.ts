/**
 * Turns JSON Schema validation errors into the trait errors flows show: a UI text with the id and
 * context Kratos gives the same failure, attached to the JSON pointer of the offending value and to
 * the UI node name (`#/traits/email` -> `traits.email`). Keywords with a dedicated text id use it;
 * the rest get the generic id 4000001 with the reason Kratos's validator words for them.
 */
import type { ErrorObject } from 'ajv';
import type { ExtensionError } from './extension.js';
import { goQuote, goQuoteAny, goSharpV } from '../text/go-format.js';
import { escapePointerToken } from './meta.js';
import {
  validationConst,
  validationConstGeneric,
  validationExclusiveMaximum,
  validationExclusiveMinimum,
  validationGeneric,
  validationInvalidFormat,
  validationMaximum,
  validationMaxItems,
  validationMaxLength,
  validationMinimum,
  validationMinItems,
  validationMinLength,
  validationMultipleOf,
  validationRequired,
  validationUniqueItems,
  validationWrongType,
  type UiText,
} from './text.js';

export interface TraitError {
  /** JSON pointer into the identity document, in Kratos's `#/traits/email` form (`#` for the root). */
  pointer: string;
  /** The UI node the message belongs to (`traits.email`); empty for a form-wide message. */
  nodeName: string;
  message: UiText;
}

/** `#/traits/a~1b/0` -> `traits.a/b.0`. */
export function pointerToNodeName(pointer: string): string {
  const path = pointer.startsWith('#') ? pointer.slice(1) : pointer;
  if (path === '' || path === '/') return '';
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'boolean': return 'boolean';
    case 'number': return 'number';
    case 'string': return 'string';
    default: return 'object';
  }
}

const isPrimitive = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

function enumReason(allowed: unknown): string {
  if (!Array.isArray(allowed) || !allowed.every(isPrimitive)) return 'enum failed';
  if (allowed.length === 1) return `value must be ${goSharpV(allowed[0])}`;
  return `value must be one of ${allowed.map(goSharpV).join(', ')}`;
}

const lengthOf = (v: unknown): number => (typeof v === 'string' ? [...v].length : Array.isArray(v) ? v.length : 0);
const sizeOf = (v: unknown): number => (typeof v === 'object' && v !== null ? Object.keys(v).length : 0);
const parentPath = (schemaPath: string) => schemaPath.slice(0, Math.max(0, schemaPath.lastIndexOf('/')));

function make(instancePath: string, message: UiText): TraitError {
  const pointer = `#${instancePath}`;
  return { pointer, nodeName: pointerToNodeName(pointer), message };
}

/** A canonical text of a JSON value: equal values (objects in any key order) give equal texts. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Every pair of equal items `[j, i]` with `j < i`, in the order Kratos reports them. */
function equalPairs(data: unknown): Array<[number, number]> {
  if (!Array.isArray(data)) return [];
  const texts = data.map(canonical);
  const pairs: Array<[number, number]> = [];
  for (let i = 1; i < texts.length; i++) {
    for (let j = 0; j < i; j++) if (texts[i] === texts[j]) pairs.push([j, i]);
  }
  return pairs;
}

/** Translates one error; `undefined` when the keyword only summarises errors reported separately. */
function translateOne(e: ErrorObject): TraitError | undefined {
  const p = e.params as Record<string, unknown>;
  // An error on a property name (propertyNames) belongs to that property.
  const at = typeof p['propertyName'] === 'string' && e.keyword !== 'propertyNames'
    ? `${e.instancePath}/${escapePointerToken(p['propertyName'] as string)}`
    : e.instancePath;
  const data = e.data;
  switch (e.keyword) {
    case 'required': {
      const missing = String(p['missingProperty']);
      return make(`${e.instancePath}/${escapePointerToken(missing)}`, validationRequired(missing));
    }
    case 'type': {
      const declared = (e.parentSchema as Record<string, unknown> | undefined)?.['type'];
      const allowed = Array.isArray(declared) ? declared.map(String) : typeof declared === 'string' ? [declared] : String(p['type']).split(',');
      return make(at, validationWrongType(allowed, jsonType(data)));
    }
    case 'minLength':
      return make(at, validationMinLength(Number(p['limit']), lengthOf(data)));
    case 'maxLength':
      return make(at, validationMaxLength(Number(p['limit']), lengthOf(data)));
    case 'pattern':
      return make(at, validationInvalidFormat(String(p['pattern'])));
    case 'format':
      return make(at, validationGeneric(`${goQuoteAny(data)} is not valid ${goQuote(String(p['format']))}`));
    case 'enum':
      return make(at, validationGeneric(enumReason(p['allowedValues'] ?? e.schema)));
    case 'const': {
      const expected = p['allowedValue'];
      return make(at, isPrimitive(expected) ? validationConst(goSharpV(expected)) : validationConstGeneric());
    }
    case 'minimum':
      return make(at, validationMinimum(Number(p['limit']), Number(data)));
    case 'maximum':
      return make(at, validationMaximum(Number(p['limit']), Number(data)));
    case 'exclusiveMinimum':
      return make(at, validationExclusiveMinimum(Number(p['limit']), Number(data)));
    case 'exclusiveMaximum':
      return make(at, validationExclusiveMaximum(Number(p['limit']), Number(data)));
    case 'multipleOf':
      return make(at, validationMultipleOf(Number(p['multipleOf']), Number(data)));
    case 'minItems':
      return make(at, validationMinItems(Number(p['limit']), lengthOf(data)));
    case 'maxItems':
      return make(at, validationMaxItems(Number(p['limit']), lengthOf(data)));
    case 'uniqueItems':
      return undefined; // expanded into one error per equal pair by translateErrors
    case 'minProperties':
      return make(at, validationGeneric(`minimum ${Number(p['limit'])} properties allowed, but found ${sizeOf(data)} properties`));
    case 'maxProperties':
      return make(at, validationGeneric(`maximum ${Number(p['limit'])} properties allowed, but found ${sizeOf(data)} properties`));
    case 'dependencies':
    case 'dependentRequired':
      return make(at, validationGeneric(`property ${goQuote(String(p['missingProperty']))} is required, if ${goQuote(String(p['property']))} property exists`));
    case 'not':
      return make(at, validationGeneric('not failed'));
    case 'oneOf': {
      const passing = p['passingSchemas'];
      if (Array.isArray(passing) && passing.length >= 2) {
        return make(at, validationGeneric(`valid against schemas at indexes ${passing[0]} and ${passing[1]}`));
      }
      return undefined; // the failing branches' own errors are reported
    }
    case 'anyOf':
    case 'if':
    case 'propertyNames':
      return undefined; // summaries of errors reported on their own
    case 'false schema':
      return make(at, validationGeneric('always fail'));
    case 'additionalItems':
    case 'items':
      return make(at, validationGeneric(`only ${Number(p['limit'])} items are allowed, but found ${lengthOf(data)} items`));
    case 'contains':
    case 'minContains':
    case 'maxContains':
      return make(at, validationGeneric('contains failed'));
    default:
      return make(at, validationGeneric(e.message ?? `${e.keyword} failed`));
  }
}

/**
 * Translates Ajv's errors (run with `allErrors` and `verbose`) plus the extension's own errors.
 * As Kratos's validator does, a value of the wrong type reports only the type error for that
 * subschema, and the extra properties one object rejects are named in a single message.
 */
export function translateErrors(ajvErrors: readonly ErrorObject[], extensionErrors: readonly ExtensionError[]): TraitError[] {
  const typeFailures = new Set<string>();
  for (const e of ajvErrors) {
    if (e.keyword === 'type') typeFailures.add(`${e.instancePath}\u0000${parentPath(e.schemaPath)}`);
  }

  // Extra properties of one object are collected into one message at the first one's position.
  type ExtraGroup = { instancePath: string; keyword: string; names: string[] };
  const entries: Array<TraitError | ExtraGroup> = [];
  const groups = new Map<string, ExtraGroup>();
  for (const e of ajvErrors) {
    if (e.keyword !== 'type' && typeFailures.has(`${e.instancePath}\u0000${parentPath(e.schemaPath)}`)) continue;
    if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') {
      const key = `${e.instancePath}\u0000${e.schemaPath}`;
      let group = groups.get(key);
      if (!group) {
        group = { instancePath: e.instancePath, keyword: e.keyword, names: [] };
        groups.set(key, group);
        entries.push(group);
      }
      const p = e.params as Record<string, unknown>;
      const name = String(p['additionalProperty'] ?? p['unevaluatedProperty']);
      if (!group.names.includes(name)) group.names.push(name);
      continue;
    }
    if (e.keyword === 'uniqueItems') {
      for (const [a, b] of equalPairs(e.data)) entries.push(make(e.instancePath, validationUniqueItems(a, b)));
      continue;
    }
    const t = translateOne(e);
    if (t) entries.push(t);
  }

  const out: TraitError[] = [];
  const seen = new Set<string>();
  const push = (t: TraitError) => {
    const key = `${t.pointer}\u0000${t.message.id}\u0000${t.message.text}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(t);
  };
  for (const entry of entries) {
    if ('names' in entry) {
      push(make(entry.instancePath, validationGeneric(`${entry.keyword} ${entry.names.map(goQuote).join(', ')} not allowed`)));
    } else {
      push(entry);
    }
  }

  // The extension's checks repeat the schema's for values it already rejected (a bad phone number
  // fails `format: tel` and then cannot be normalised); one message per value is enough.
  const reported = new Set(ajvErrors.filter((e) => e.keyword === 'type' || e.keyword === 'format').map((e) => e.instancePath));
  for (const x of extensionErrors) {
    if (reported.has(x.instancePath)) continue;
    reported.add(x.instancePath);
    push(make(x.instancePath, x.message));
  }
  return out;
}
