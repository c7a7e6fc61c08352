import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { badRequest } from '../../errors/kratos-error.js';

const ajv = new Ajv({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);

function describe(e: ErrorObject): string {
  const at = e.instancePath ? e.instancePath : '(body)';
  if (e.keyword === 'additionalProperties') return `${at}: unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'required') return `${at}: missing field "${(e.params as { missingProperty: string }).missingProperty}"`;
  return `${at}: ${e.message ?? 'is invalid'}`;
}

/**
 * Compiles a JSON Schema for a request body once and returns a checker that throws a 400 naming
 * each offending field, so handlers only ever see well-typed input.
 */
export function bodyValidator<T>(schema: object): (body: unknown) => T {
  const validate: ValidateFunction = ajv.compile(schema);
  return (body: unknown): T => {
    if (body === undefined || body === null) throw badRequest('The request body must be a JSON object.');
    if (!validate(body)) {
      throw badRequest(`The request body is invalid: ${(validate.errors ?? []).map(describe).join('; ')}.`);
    }
    return body as T;
  };
}
