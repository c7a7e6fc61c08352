import type { FastifyRequest } from 'fastify';
import { badRequest } from '../../errors/kratos-error.js';

const UNSAFE_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Turns a form post's dotted keys (`traits.name.first=Ada`) into the nested object a JSON client
 * would send. Keys that could pollute prototypes are refused.
 */
export function unflatten(form: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(form)) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    const parts = key.split('.');
    if (parts.some((p) => p === '' || UNSAFE_KEYS.has(p))) throw badRequest(`The form field "${key}" is not allowed.`);
    let cur: Record<string, unknown> = out;
    for (const p of parts.slice(0, -1)) {
      const next = cur[p];
      if (!next || typeof next !== 'object' || Array.isArray(next)) cur[p] = Object.create(null) as Record<string, unknown>;
      cur = cur[p] as Record<string, unknown>;
    }
    cur[parts.at(-1)!] = value;
  }
  return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
}

export interface ParsedBody {
  fields: Record<string, unknown>;
  /** Form posts carry only strings; JSON bodies carry real types. */
  form: boolean;
}

/** A submission body: JSON object or urlencoded form. Anything else is a 400. */
export function parseFlowBody(req: FastifyRequest): ParsedBody {
  const ct = String(req.headers['content-type'] ?? '');
  const body = req.body;
  if (body === undefined || body === null || body === '') return { fields: {}, form: !ct.startsWith('application/json') };
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be a JSON object or a form.');
  if (ct.startsWith('application/x-www-form-urlencoded') || ct.startsWith('multipart/form-data')) return { fields: unflatten(body as Record<string, unknown>), form: true };
  return { fields: body as Record<string, unknown>, form: false };
}

/** A string field, or undefined when absent; a present non-string value is a 400 naming the field. */
export function stringField(fields: Record<string, unknown>, name: string): string | undefined {
  const v = fields[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`The field "${name}" must be a string.`);
  return v;
}

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; items?: JsonSchema };

/**
 * Form posts deliver every trait as a string; coerce them to the types the identity schema declares
 * (numbers, integers, booleans) so that validation sees what the user meant. Unparseable values are
 * left as strings and the schema validation reports them.
 */
export function coerceFormTraits(traits: unknown, schema: JsonSchema | undefined): unknown {
  if (!schema || traits === null || typeof traits !== 'object' || Array.isArray(traits)) return traits;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(traits as Record<string, unknown>)) {
    const s = schema.properties?.[k];
    const type = Array.isArray(s?.type) ? s?.type.find((t) => t !== 'null') : s?.type;
    if (typeof v === 'string' && (type === 'number' || type === 'integer')) {
      out[k] = v.trim() === '' ? undefined : Number.isFinite(Number(v)) ? Number(v) : v;
    } else if (typeof v === 'string' && type === 'boolean') {
      out[k] = v === 'true' || v === 'on' || v === '1' ? true : v === 'false' || v === '0' || v === '' ? false : v;
    } else if (typeof v === 'string' && v === '' && type === 'string') {
      // An empty text box means "not given", as Kratos's form decoder treats it.
      continue;
    } else if (v && typeof v === 'object') {
      out[k] = coerceFormTraits(v, s);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/**
 * `transient_payload` of a submission: an object passed to hooks and templates and never stored.
 * Forms may send it as JSON text. Anything else is a 400 naming the field.
 */
export function transientPayload(fields: Record<string, unknown>): Record<string, unknown> | undefined {
  let v = fields.transient_payload;
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw badRequest('The field "transient_payload" must be a JSON object.');
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badRequest('The field "transient_payload" must be a JSON object.');
  return v as Record<string, unknown>;
}

/** What a message's template sees of a submission's `transient_payload` (as Kratos: `.TransientPayload`). */
export function transientTemplateData(payload: unknown): { TransientPayload?: unknown } {
  return payload === undefined ? {} : { TransientPayload: payload };
}
