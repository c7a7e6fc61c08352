import type { Registry } from '../registry/registry.js';
import type { TraitField } from '../schema/index.js';

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

/** An identity schema's traits whose addresses get codes by SMS. */
export interface SmsTraitsOfSchema {
  schemaId: string;
  /** Trait paths as UI node names spell them: `traits.phone`, `traits.contact.mobile`. */
  traits: string[];
}

/** Whether a trait's `ory.sh/kratos` block sends it codes by SMS: verification, recovery or code sign-in. */
function sendsCodesBySms(extension: TraitField['extension']): boolean {
  if (!extension) return false;
  const code = extension.credentials?.code;
  return extension.verification?.via === 'sms' || extension.recovery?.via === 'sms' || (code?.identifier === true && code.via === 'sms');
}

/**
 * The traits, per identity schema, that `via: sms` marks for codes (verification, recovery, code
 * sign-in) when no SMS channel is configured; empty when one is, or when no trait asks for SMS.
 * Codes for such addresses are queued for the `sms` channel only, never sent by email instead.
 */
export function smsTraitsWithoutChannel(
  schemas: ReadonlyArray<{ id: string; fields: ReadonlyArray<Pick<TraitField, 'name' | 'extension'>> }>,
  smsChannelConfigured: boolean,
): SmsTraitsOfSchema[] {
  if (smsChannelConfigured) return [];
  return schemas
    .map((s) => ({ schemaId: s.id, traits: s.fields.filter((f) => sendsCodesBySms(f.extension)).map((f) => f.name) }))
    .filter((s) => s.traits.length > 0);
}

/** The start-up warning for `smsTraitsWithoutChannel`'s findings (one line for all schemas). */
export function smsTraitsWithoutChannelWarning(found: readonly SmsTraitsOfSchema[]): string {
  const where = found.map((s) => `identity schema ${JSON.stringify(s.schemaId)} (${s.traits.join(', ')})`).join('; ');
  return (
    `SMS addresses without an SMS channel: ${where} send codes by SMS (via: sms), but no SMS channel is configured ` +
    '(courier.channels with id "sms", or courier.sms enabled with a request_config). Codes for those addresses cannot be sent ' +
    'until an SMS channel is configured; they are never sent by email instead.'
  );
}

/** Logs one warning when a configured identity schema sends codes by SMS and no SMS channel is configured. */
export async function warnAboutSmsTraitsWithoutChannel(r: Registry): Promise<void> {
  if (r.config.smsChannelConfigured()) return;
  const schemas = await Promise.all(r.schemas.list().map(async ({ id }) => ({ id, fields: (await r.schemas.get(id)).traitFields() })));
  const found = smsTraitsWithoutChannel(schemas, false);
  if (found.length === 0) return;
  r.logger.warn({ sms_traits: Object.fromEntries(found.map((s) => [s.schemaId, s.traits])) }, smsTraitsWithoutChannelWarning(found));
}
