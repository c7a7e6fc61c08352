import { Ajv } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * Client-side check of an identity file, as `tessera identities validate` runs it: the body shape,
 * then the traits against the identity schema fetched from the server.
 */
export async function validateIdentityBody(body: unknown, fetchSchema: (id: string) => Promise<object>): Promise<string[]> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return ['the identity must be a JSON object'];
  const b = body as Record<string, unknown>;
  const problems: string[] = [];
  if (b.traits === undefined || typeof b.traits !== 'object' || b.traits === null || Array.isArray(b.traits)) problems.push('traits: must be an object');
  if (b.schema_id !== undefined && typeof b.schema_id !== 'string') problems.push('schema_id: must be a string');
  if (b.state !== undefined && b.state !== 'active' && b.state !== 'inactive') problems.push('state: must be "active" or "inactive"');
  if (problems.length > 0) return problems;
  let schema: object;
  try {
    schema = await fetchSchema(typeof b.schema_id === 'string' ? b.schema_id : 'default');
  } catch (err) {
    return [`schema_id: ${err instanceof Error ? err.message : String(err)}`];
  }
  const is2020 = String((schema as { $schema?: string }).$schema ?? '').includes('2020-12');
  const ajv = is2020 ? new Ajv2020.default({ allErrors: true, strict: false }) : new Ajv({ allErrors: true, strict: false });
  (addFormats as unknown as (a: unknown) => void)(ajv);
  const validate = ajv.compile(schema);
  if (!validate({ traits: b.traits })) {
    for (const e of validate.errors ?? []) problems.push(`${e.instancePath || '/'}: ${e.message ?? 'is invalid'}`);
  }
  return problems;
}
