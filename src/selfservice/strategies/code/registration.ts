import { isDeepStrictEqual } from 'node:util';
import type { IdentityManager } from '../../../identity/manager.js';
import type { SchemaRegistry } from '../../../schema/registry.js';
import type { IdentitySchema } from '../../../schema/identity-schema.js';
import { errorRegistrationCodeInvalidOrAlreadyUsed, errorTraitsMismatch, errorIdentifierMissing, infoRegistrationCodeSent, validationRequired } from '../../../text/index.js';
import { nodesFromIdentitySchema } from '../../../ui/schema-nodes.js';
import { UiNodeGroup } from '../../../ui/node.js';
import { coerceFormTraits, stringField, transientPayload, transientTemplateData } from '../../flow/body.js';
import { names, notResponsible, type MethodOutcome, type RegistrationFormContext, type RegistrationMethod, type Submission } from '../../flow/method.js';
import { tooManyCodeChecks } from '../../flow/one-time-secret.js';
import { FlowValidationError } from '../../flow/validation.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import { checkPasswordlessCode, issuePasswordlessCodes, type PasswordlessCodeDeps } from './passwordless-codes.js';
import { codeRegistrationNodes, codeRegistrationSentNodes } from './passwordless-nodes.js';

export interface CodeRegistrationDeps extends PasswordlessCodeDeps {
  schemas: SchemaRegistry;
  identities: IdentityManager;
}

type Traits = Record<string, unknown>;

/** Where the traits a code was sent for wait between the two steps (never on the wire). */
const PENDING_TRAITS = 'code_traits';

/**
 * Passwordless sign-up by a one-time code (`selfservice.methods.code.passwordless_enabled`), as
 * Kratos v1.3: the traits, then a code to each address the schema marks
 * `credentials.code.identifier` (on the channel its `via` names), then the code. The identity is
 * created only once a code came back, with the address it reached already verified.
 */
export class CodeRegistrationStrategy implements RegistrationMethod {
  private readonly now: () => Date;

  constructor(private readonly deps: CodeRegistrationDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async nodes(ctx: RegistrationFormContext): Promise<UiNodeJson[]> {
    return codeRegistrationNodes((await this.deps.schemas.get(ctx.schemaId)).raw());
  }

  async submit(s: Submission): Promise<MethodOutcome> {
    if (!names(s, 'code')) return notResponsible();
    const resend = stringField(s.fields, 'resend') === 'code';
    if (s.flow.state === 'sent_email' && !resend) return this.verify(s);
    return this.send(s, resend);
  }

  /** The flow's identity schema and the submitted traits (form values typed by it), if any. */
  private async traitsOf(s: Submission): Promise<{ traits: Traits | undefined; schema: IdentitySchema }> {
    const schema = await this.deps.schemas.get(String(s.flow.data.identity_schema));
    const raw = s.fields.traits;
    if (raw === undefined || raw === null) return { traits: undefined, schema };
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new FlowValidationError([{ message: validationRequired('traits'), node: 'traits' }]);
    const traitsSchema = (schema.raw() as { properties?: { traits?: object } }).properties?.traits;
    return { traits: (s.form ? coerceFormTraits(raw, traitsSchema as never) : raw) as Traits, schema };
  }

  /** Step one (and `resend=code`): validates the traits and sends a code to each code address. */
  private async send(s: Submission, resend: boolean): Promise<MethodOutcome> {
    const flow = s.flow;
    const { traits: submitted, schema } = await this.traitsOf(s);
    // A resend may name the traits again or rely on those the flow holds.
    const traits = submitted ?? (resend ? (flow.data[PENDING_TRAITS] as Traits | undefined) : undefined);
    if (traits === undefined) throw new FlowValidationError([{ message: validationRequired('traits'), node: 'traits' }]);
    const validated = schema.validateTraits(traits);
    if (!validated.ok) throw new FlowValidationError(validated.errors.map((e) => ({ message: e.message, node: e.nodeName })), { traits });
    const addresses = validated.credentials.code.identifiers;
    if (addresses.length === 0) throw new FlowValidationError([{ message: errorIdentifierMissing() }], { traits });

    const payload = transientPayload(s.fields);
    await issuePasswordlessCodes(this.deps, flow, {
      kind: 'registration_code',
      template: 'registration_code_valid',
      clientAddress: s.req.ip ?? '',
      identityId: null,
      targets: addresses.map((address) => ({ address, deliver: true })),
      // `Traits` as Kratos's templates read them; `Identity.traits` as the built-in ones do.
      data: (code) => ({ RegistrationCode: code, Traits: traits, Identity: { traits }, RequestURL: flow.request_url, ...transientTemplateData(payload) }),
    });
    flow.data = { ...flow.data, [PENDING_TRAITS]: traits };
    const csrf = flow.ui.nodes.filter((n) => n.attributes.name === 'csrf_token');
    const traitNodes = nodesFromIdentitySchema(schema.raw(), { group: UiNodeGroup.Default, values: traits }).map(toJson);
    flow.ui.nodes = [...csrf, ...codeRegistrationSentNodes(traitNodes)];
    flow.ui.messages = [infoRegistrationCodeSent()];
    flow.state = 'sent_email';
    return { kind: 'show_again', status: 400, messages: [], step: true };
  }

  /** Step two: the code; the identity the traits describe is built (not stored) with the reached address verified. */
  private async verify(s: Submission): Promise<MethodOutcome> {
    const flow = s.flow;
    const pending = flow.data[PENDING_TRAITS] as Traits | undefined;
    const { traits: submitted } = await this.traitsOf(s);
    const code = stringField(s.fields, 'code') ?? '';
    if (code.trim() === '') return { kind: 'show_again', status: 400, messages: [{ node: 'code', message: validationRequired('code') }] };
    // The traits the code was sent for are the ones registered; a client may repeat them, not change them.
    if (!pending || (submitted !== undefined && !isDeepStrictEqual(withoutUndefined(submitted), withoutUndefined(pending)))) {
      return { kind: 'show_again', status: 400, messages: [{ message: errorTraitsMismatch() }] };
    }
    const checked = await checkPasswordlessCode(this.deps, flow, 'registration_code', code);
    if (checked.kind === 'too_many') return { kind: 'show_again', status: 400, messages: [{ message: tooManyCodeChecks() }] };
    if (checked.kind !== 'accepted') return { kind: 'show_again', status: 400, messages: [{ message: errorRegistrationCodeInvalidOrAlreadyUsed() }] };

    const now = this.now();
    const identity = await this.deps.identities.build({ schema_id: String(flow.data.identity_schema), traits: pending, state: 'active' });
    for (const a of identity.verifiable_addresses) {
      if (a.value === checked.secret.address && !a.verified) Object.assign(a, { verified: true, verified_at: now, status: 'completed', updated_at: now });
    }
    return { kind: 'authenticated', identity, method: { method: 'code', aal: 'aal1', completed_at: now } };
  }
}

/** JSON as it is stored: keys whose value is undefined do not exist. */
function withoutUndefined(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v ?? null));
}

