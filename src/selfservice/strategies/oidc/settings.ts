import type { Identity } from '../../../identity/identity.js';
import { validationGeneric } from '../../../text/validation.js';
import { infoSettingsLinkOidc, infoSettingsUnlinkOidc } from '../../../text/settings.js';
import { inputNode, UiNodeGroup, UiNodeInputType } from '../../../ui/node.js';
import { stringField } from '../../flow/body.js';
import { notResponsible, type MethodOutcome, type SettingsMethod, type Submission } from '../../flow/method.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import type { OidcAuthorization } from './authorization.js';
import { addProviderEntry, linkedEntries, removeProvider, type OidcProviderEntry } from './credentials.js';
import type { OidcProviders } from './providers.js';

const LAST_FIRST_FACTOR = 'can not unlink OpenID Connect connection because it is the last remaining first factor credential';

/** Ways the identity can sign in on its own: a password, each linked provider, each passkey. */
export function countFirstFactors(identity: Identity): number {
  let n = 0;
  if (typeof identity.credentials.password?.config.hashed_password === 'string') n++;
  n += identity.credentials.oidc?.identifiers.length ?? 0;
  const passkeys = identity.credentials.passkey?.config.credentials;
  if (Array.isArray(passkeys)) n += passkeys.length;
  return n;
}

/** The change that links a provider entry (from the callback, or rebuilt after a re-authentication). */
export function linkChange(entry: OidcProviderEntry): Extract<MethodOutcome, { kind: 'updated' }> {
  return { kind: 'updated', change: { protected: true, edit: (identity) => addProviderEntry(identity, entry), pending: { link: entry } } };
}

/**
 * The `oidc` settings method: "Link …" for each provider not linked yet, which goes to the provider
 * (the callback links it), and "Unlink …" for each linked one while another way to sign in remains.
 */
export class OidcSettingsStrategy implements SettingsMethod {
  constructor(private readonly deps: { providers: OidcProviders; authorization: OidcAuthorization }) {}

  async nodes(identity: Identity): Promise<UiNodeJson[]> {
    const linked = new Set(linkedEntries(identity).map((e) => e.provider));
    const canUnlink = countFirstFactors(identity) > 1;
    const nodes: UiNodeJson[] = [];
    for (const p of this.deps.providers.list()) {
      if (!linked.has(p.client.id)) nodes.push(toJson(inputNode(UiNodeGroup.Oidc, 'link', p.client.id, UiNodeInputType.Submit, { label: infoSettingsLinkOidc(p.client.label) })));
    }
    for (const p of this.deps.providers.list()) {
      if (linked.has(p.client.id) && canUnlink) nodes.push(toJson(inputNode(UiNodeGroup.Oidc, 'unlink', p.client.id, UiNodeInputType.Submit, { label: infoSettingsUnlinkOidc(p.client.label) })));
    }
    return nodes;
  }

  async submit(s: Submission, identity: Identity): Promise<MethodOutcome> {
    const method = s.fields.method;
    if (method !== undefined && method !== '' && method !== 'oidc') return notResponsible();
    const link = stringField(s.fields, 'link') ?? '';
    const unlink = stringField(s.fields, 'unlink') ?? '';
    if (link !== '') {
      this.deps.providers.get(link);
      if (linkedEntries(identity).some((e) => e.provider === link)) return { kind: 'show_again', status: 400, messages: [{ message: validationGeneric('This provider is already linked to your account.') }] };
      return this.deps.authorization.start(s, link);
    }
    if (unlink !== '') return this.unlink(identity, unlink);
    return notResponsible();
  }

  async resume(identity: Identity, pending: Record<string, unknown>): Promise<MethodOutcome> {
    if (typeof pending.unlink === 'string') return this.unlink(identity, pending.unlink);
    return linkChange(pending.link as OidcProviderEntry);
  }

  private unlink(identity: Identity, providerId: string): MethodOutcome {
    if (!linkedEntries(identity).some((e) => e.provider === providerId)) {
      return { kind: 'show_again', status: 400, messages: [{ message: validationGeneric(`The provider ${JSON.stringify(providerId)} is not linked to your account.`) }] };
    }
    const after = structuredClone(identity);
    removeProvider(after, providerId);
    if (countFirstFactors(after) < 1) return { kind: 'show_again', status: 400, messages: [{ message: validationGeneric(LAST_FIRST_FACTOR) }] };
    return { kind: 'updated', change: { protected: true, edit: (i) => removeProvider(i, providerId), pending: { unlink: providerId } } };
  }
}
