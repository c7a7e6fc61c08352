import { KratosError } from '../../../errors/kratos-error.js';
import type { Identity } from '../../../identity/identity.js';
import { errorNoLookup, infoSettingsDisableLookup, infoSettingsLookupConfirm, infoSettingsLookupSecretsLabel, infoSettingsRegenerateLookup, lookupSecretList, validationGeneric } from '../../../text/index.js';
import { inputNode, textNode, UiNodeGroup, UiNodeInputType } from '../../../ui/node.js';
import { names, notResponsible, type MethodOutcome, type SettingsChange, type SettingsMethod, type Submission } from '../../flow/method.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import { CODE_COUNT, codeDigest, newCodes, storedCodes, type StoredCode } from './codes.js';

export interface LookupSecretSettingsDeps {
  /** The server secret new codes are digested with (`secrets.default[0]`). */
  secretKey(): string;
  now?: () => Date;
}

const CODES_NODE = 'lookup_secret_codes';
const ACTIONS = ['lookup_secret_confirm', 'lookup_secret_reveal', 'lookup_secret_regenerate', 'lookup_secret_disable'] as const;
const flag = (v: unknown) => v === true || v === 'true';

const submitNode = (name: (typeof ACTIONS)[number], label: ReturnType<typeof infoSettingsDisableLookup>) =>
  toJson(inputNode(UiNodeGroup.LookupSecret, name, 'true', UiNodeInputType.Submit, { label }));

/**
 * The `lookup_secret` settings method (backup codes). `regenerate` shows 12 new codes with a
 * confirm button (the codes live only in the stored flow); `confirm` stores them as digests;
 * `disable` removes them. Codes are stored hashed, so they are shown once, when generated: instead
 * of `reveal`, the form offers to generate new ones.
 */
export class LookupSecretSettingsStrategy implements SettingsMethod {
  private readonly now: () => Date;

  constructor(private readonly deps: LookupSecretSettingsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async nodes(identity: Identity): Promise<UiNodeJson[]> {
    if (storedCodes(identity).length === 0) return [submitNode('lookup_secret_regenerate', infoSettingsRegenerateLookup())];
    return [submitNode('lookup_secret_regenerate', infoSettingsRegenerateLookup()), submitNode('lookup_secret_disable', infoSettingsDisableLookup())];
  }

  async submit(s: Submission, identity: Identity): Promise<MethodOutcome> {
    const action = ACTIONS.find((a) => flag(s.fields[a]));
    if (!action) {
      if (names(s, 'lookup_secret')) throw new KratosError(400, { reason: 'Choose one of lookup_secret_regenerate, lookup_secret_confirm or lookup_secret_disable.' });
      return notResponsible();
    }
    switch (action) {
      case 'lookup_secret_regenerate': {
        const codes = newCodes();
        s.flow.ui.nodes = s.flow.ui.nodes.filter((n) => n.group !== UiNodeGroup.LookupSecret);
        s.flow.ui.nodes.push(
          toJson(textNode(UiNodeGroup.LookupSecret, CODES_NODE, lookupSecretList(codes.map((code) => ({ code }))), { label: infoSettingsLookupSecretsLabel() })),
          submitNode('lookup_secret_confirm', infoSettingsLookupConfirm()),
        );
        return { kind: 'show_again', status: 200, messages: [] };
      }
      case 'lookup_secret_confirm': {
        const codes = this.shownCodes(s);
        const key = this.deps.secretKey();
        return { kind: 'updated', change: this.change(codes.map((c): StoredCode => ({ code: codeDigest(c, identity.id, key) })), identity.id) };
      }
      case 'lookup_secret_disable':
        if (storedCodes(identity).length === 0) throw new FlowValidationError([{ message: errorNoLookup() }]);
        return { kind: 'updated', change: this.change(null, identity.id) };
      case 'lookup_secret_reveal':
        if (storedCodes(identity).length === 0) throw new FlowValidationError([{ message: errorNoLookup() }]);
        throw new FlowValidationError([{ message: validationGeneric('Backup recovery codes are stored hashed and shown only once, when they are generated. Generate new codes instead.') }]);
    }
  }

  async resume(identity: Identity, pending: Record<string, unknown>): Promise<MethodOutcome> {
    const codes = Array.isArray(pending.recovery_codes) ? (pending.recovery_codes as StoredCode[]) : null;
    return { kind: 'updated', change: this.change(codes, identity.id) };
  }

  private change(codes: StoredCode[] | null, identityId: string): SettingsChange {
    if (codes === null) return { setCredentials: { lookup_secret: null }, protected: true, pending: { recovery_codes: null } };
    return {
      setCredentials: { lookup_secret: { identifiers: [identityId], config: { recovery_codes: codes } } },
      sessionMethod: { method: 'lookup_secret', aal: 'aal2', completed_at: this.now() },
      protected: true,
      // Only digests wait in the flow for a re-authentication.
      pending: { recovery_codes: codes },
    };
  }

  /** The codes this flow's form showed after `regenerate` (read from the stored flow). */
  private shownCodes(s: Submission): string[] {
    const node = s.flow.ui.nodes.find((n) => n.type === 'text' && n.attributes.id === CODES_NODE);
    const secrets = (node?.attributes.text as { context?: { secrets?: Array<{ context?: { secret?: unknown } }> } } | undefined)?.context?.secrets ?? [];
    const codes = secrets.map((t) => t.context?.secret).filter((c): c is string => typeof c === 'string');
    if (codes.length !== CODE_COUNT) throw new KratosError(400, { reason: 'You must (re-)generate recovery backup codes before you can save them.' });
    return codes;
  }
}
