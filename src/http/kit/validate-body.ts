import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { badRequest } from '../../errors/kratos-error.js';

// One Ajv for every request body schema, made (with its formats) when the first body is checked.
let shared: Ajv | undefined;
function ajv(): Ajv {
  if (!shared) {
    shared = new Ajv({ allErrors: true, strict: false });
    (addFormats as unknown as (a: Ajv) => void)(shared);
  }
  return shared;
}

function describe(e: ErrorObject): string {
  const at = e.instancePath ? e.instancePath : '(body)';
  if (e.keyword === 'additionalProperties') return `${at}: unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'required') return `${at}: missing field "${(e.params as { missingProperty: string }).missingProperty}"`;
  return `${at}: ${e.message ?? 'is invalid'}`;
}

/**
 * Returns a checker that throws a 400 naming each offending field, so handlers only ever see
 * well-typed input. The schema is compiled on the first body checked, not when the module loads:
 * a server starts without compiling the schemas of routes it may never serve.
 */
export function bodyValidator<T>(schema: object): (body: unknown) => T {
  let validate: ValidateFunction | undefined;
  return (body: unknown): T => {
    if (body === undefined || body === null) throw badRequest('The request body must be a JSON object.');
    validate ??= ajv().compile(schema);
    if (!validate(body)) {
      throw badRequest(`The request body is invalid: ${(validate.errors ?? []).map(describe).join('; ')}.`);
    }
    return body as T;
  };
}
