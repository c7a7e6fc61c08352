import type { Registry } from '../registry/registry.js';

/**
 * Loads, checks against the identity meta-schema rules and compiles every configured identity
 * schema, as Kratos validates them when it starts. Returns one message per broken schema, each
 * naming the schema id, its URL and the reasons; empty when all are usable.
 */
export async function identitySchemaProblems(r: Registry): Promise<string[]> {
  const ids = r.schemas.list().map((s) => s.id);
  const results = await Promise.allSettled(ids.map((id) => r.schemas.get(id)));
  return results.flatMap((res) => (res.status === 'rejected' ? [res.reason instanceof Error ? res.reason.message : String(res.reason)] : []));
}

/**
 * Stops the process when a configured identity schema, or a whoami tokenizer template's key or
 * claims mapper, cannot be used.
 */
export async function requireUsableSchemasAndTemplates(r: Registry): Promise<void> {
  const schemaProblems = await identitySchemaProblems(r);
  const tokenizerProblems = await r.tokenizer.problems();
  if (schemaProblems.length > 0) process.stderr.write(`The configured identity schemas cannot be used:\n${schemaProblems.map((p) => `- ${p}`).join('\n')}\n`);
  if (tokenizerProblems.length > 0) process.stderr.write(`The session tokenizer templates cannot be used:\n${tokenizerProblems.map((p) => `- ${p}`).join('\n')}\n`);
  if (schemaProblems.length + tokenizerProblems.length === 0) return;
  await r.close();
  process.exit(1);
}
