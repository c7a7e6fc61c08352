import { KratosError } from '../../../errors/kratos-error.js';
import type { Identity } from '../../../identity/identity.js';
import { errorNoLookup, infoSettingsDisableLookup, infoSettingsLookupConfirm, infoSettingsLookupSecretsLabel, infoSettingsRegenerateLookup, infoSettingsRevealLookup, lookupSecretList, validationGeneric } from '../../../text/index.js';
import { inputNode, textNode, UiNodeGroup, UiNodeInputType } from '../../../ui/node.js';
import { names, notResponsible, PrivilegedSessionRequired, type MethodOutcome, type SettingsChange, type SettingsMethod, type Submission } from '../../flow/method.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import { CODE_COUNT, codeDigest, newCodes, openCode, sealCode, storedCodes, type StoredCode } from './codes.js';

export interface LookupSecretSettingsDeps {
  /** The server secrets (`secrets.default`): new codes are digested and sealed with the first; older ones open older codes. */
  secretKeys(): string[];
  now?: () => Date;
}

const CODES_NODE = 'lookup_secret_codes';
const ACTIONS = ['lookup_secret_confirm', 'lookup_secret_reveal', 'lookup_secret_regenerate', 'lookup_secret_disable'] as const;
const flag = (v: unknown) => v === true || v === 'true';

const submitNode = (name: (typeof ACTIONS)[number], label: ReturnType<typeof infoSettingsDisableLookup>) =>
  toJson(inputNode(UiNodeGroup.LookupSecret, name, 'true', UiNodeInputType.Submit, { label }));

/**
 * The `lookup_secret` settings method (backup codes), as Kratos: without codes the form offers
 * `regenerate`, with codes `reveal` and `disable`. `regenerate` shows 12 new codes with a confirm
 * button (the codes live only in the stored flow until confirmed); `confirm` stores each as a digest
 * (what sign-in checks) and sealed (what `reveal` opens, with used codes shown as used); `disable`
 * removes them. Showing codes needs a privileged session, as changing them does.
 */
export class LookupSecretSettingsStrategy implements SettingsMethod {
  private readonly now: () => Date;

  constructor(private readonly deps: LookupSecretSettingsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async nodes(identity: Identity): Promise<UiNodeJson[]> {
    if (storedCodes(identity).length === 0) return [submitNode('lookup_secret_regenerate', infoSettingsRegenerateLookup())];
    return [submitNode('lookup_secret_reveal', infoSettingsRevealLookup()), submitNode('lookup_secret_disable', infoSettingsDisableLookup())];
  }

  async submit(s: Submission, identity: Identity): Promise<MethodOutcome> {
    const action = ACTIONS.find((a) => flag(s.fields[a]));
    if (!action) {
      if (names(s, 'lookup_secret')) throw new KratosError(400, { reason: 'Choose one of lookup_secret_regenerate, lookup_secret_confirm or lookup_secret_disable.' });
      return notResponsible();
    }
    // Codes are shown only to a session that signed in recently (checked before anything is shown).
    if ((action === 'lookup_secret_regenerate' || action === 'lookup_secret_reveal') && s.privileged === false) throw new PrivilegedSessionRequired();
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
        const key = this.deps.secretKeys()[0]!;
        return {
          kind: 'updated',
          change: this.change(codes.map((c): StoredCode => ({ code: codeDigest(c, identity.id, key), sealed: sealCode(c, identity.id, key) })), identity.id),
        };
      }
      case 'lookup_secret_disable':
        if (storedCodes(identity).length === 0) throw new FlowValidationError([{ message: errorNoLookup() }]);
        return { kind: 'updated', change: this.change(null, identity.id) };
      case 'lookup_secret_reveal': {
        const stored = storedCodes(identity);
        if (stored.length === 0) throw new FlowValidationError([{ message: errorNoLookup() }]);
        const keys = this.deps.secretKeys();
        const shown = stored.map((c) => ({ code: c.sealed ? openCode(c.sealed, identity.id, keys) : null, usedAt: c.used_at ? new Date(c.used_at) : null }));
        // Codes sealed under a secret no longer configured (or imported as digests) cannot be opened.
        if (shown.some((c) => c.code === null && !c.usedAt)) {
          throw new FlowValidationError([{ message: validationGeneric('These backup recovery codes cannot be shown again. Generate new codes instead.') }]);
        }
        s.flow.ui.nodes = s.flow.ui.nodes.filter((n) => n.group !== UiNodeGroup.LookupSecret);
        s.flow.ui.nodes.push(
          toJson(textNode(UiNodeGroup.LookupSecret, CODES_NODE, lookupSecretList(shown.map((c) => ({ code: c.code ?? '', usedAt: c.usedAt }))), { label: infoSettingsLookupSecretsLabel() })),
          submitNode('lookup_secret_disable', infoSettingsDisableLookup()),
          submitNode('lookup_secret_regenerate', infoSettingsRegenerateLookup()),
        );
        return { kind: 'show_again', status: 200, messages: [] };
      }
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
