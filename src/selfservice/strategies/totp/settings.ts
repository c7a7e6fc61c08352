import { KratosError } from '../../../errors/kratos-error.js';
import type { Identity } from '../../../identity/identity.js';
import type { SecondFactorUses } from '../../../identity/second-factor-uses.js';
import type { SchemaRegistry } from '../../../schema/registry.js';
import { errorTotpVerifierWrong, validationRequired } from '../../../text/index.js';
import { infoNodeLabelSave, infoNodeLabelVerifyCode } from '../../../text/node-label.js';
import { infoSettingsTotpQrCode, infoSettingsTotpSecret, infoSettingsTotpSecretLabel, infoSettingsUnlinkTotp } from '../../../text/settings.js';
import { imageNode, inputNode, textNode, UiNodeGroup, UiNodeInputType } from '../../../ui/node.js';
import { methodNode } from '../../../ui/password-nodes.js';
import { stringField } from '../../flow/body.js';
import type { Flow } from '../../flow/flow.js';
import { names, notResponsible, type MethodOutcome, type SettingsChange, type SettingsMethod, type Submission } from '../../flow/method.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import { keyFromSecret, matchingStep, newTotpKey, qrDataUri } from './key.js';

export interface TotpSettingsDeps {
  schemas: SchemaRegistry;
  uses: SecondFactorUses;
  /** `selfservice.methods.totp.config.issuer` (default: the public URL's host). */
  issuer(): string;
  now?: () => Date;
}

/** The TOTP URL in a `totp` credential's config, if an app is linked. */
export const totpUrlIn = (config: Record<string, unknown> | undefined): string | null => {
  const url = config?.totp_url;
  return typeof url === 'string' && url !== '' ? url : null;
};

/** The TOTP URL of an identity's authenticator app, if one is linked. */
export const totpUrlOf = (identity: Identity): string | null => totpUrlIn(identity.credentials.totp?.config);

/** The node that shows the secret while an app is being set up; its text context holds the secret. */
const SECRET_NODE = 'totp_secret_key';

/**
 * The `totp` settings method. Without an app linked, the form shows a new key (QR code and the
 * secret as text) and asks for a code from it; the key lives only in the stored flow until a
 * correct code links it. With an app linked, the form offers to unlink it.
 */
export class TotpSettingsStrategy implements SettingsMethod {
  private readonly now: () => Date;

  constructor(private readonly deps: TotpSettingsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async nodes(identity: Identity): Promise<UiNodeJson[]> {
    if (totpUrlOf(identity)) {
      return [toJson(inputNode(UiNodeGroup.Totp, 'totp_unlink', 'true', UiNodeInputType.Submit, { required: true, label: infoSettingsUnlinkTotp() }))];
    }
    const key = newTotpKey(this.deps.issuer(), await this.accountName(identity));
    return [
      imageNode(UiNodeGroup.Totp, 'totp_qr', await qrDataUri(key), { width: 256, height: 256, label: infoSettingsTotpQrCode() }),
      textNode(UiNodeGroup.Totp, SECRET_NODE, infoSettingsTotpSecret(key.secret), { label: infoSettingsTotpSecretLabel() }),
      inputNode(UiNodeGroup.Totp, 'totp_code', undefined, UiNodeInputType.Text, { required: true, label: infoNodeLabelVerifyCode() }),
      methodNode(UiNodeGroup.Totp, 'totp', infoNodeLabelSave()),
    ].map(toJson);
  }

  async submit(s: Submission, identity: Identity): Promise<MethodOutcome> {
    const unlink = s.fields.totp_unlink === true || s.fields.totp_unlink === 'true';
    if (!names(s, 'totp') && !unlink) return notResponsible();
    if (totpUrlOf(identity)) {
      // Linked already: only unlinking changes anything.
      return { kind: 'updated', change: unlink ? this.change(null) : { protected: false, pending: {} } };
    }
    const url = this.pendingUrl(s.flow, await this.accountName(identity));
    const code = stringField(s.fields, 'totp_code') ?? '';
    if (code.trim() === '') throw new FlowValidationError([{ node: 'totp_code', message: validationRequired('totp_code') }]);
    const now = this.now();
    const step = matchingStep(url, code, now);
    // The code that proved the app works is spent: it cannot also step up a session.
    if (step === null || !(await this.deps.uses.spendTotpStep(identity.id, step, now))) {
      throw new FlowValidationError([{ node: 'totp_code', message: errorTotpVerifierWrong() }]);
    }
    return { kind: 'updated', change: this.change(url, identity.id) };
  }

  async resume(identity: Identity, pending: Record<string, unknown>): Promise<MethodOutcome> {
    const url = typeof pending.totp_url === 'string' ? pending.totp_url : null;
    return { kind: 'updated', change: this.change(url, identity.id) };
  }

  private change(url: string | null, identityId?: string): SettingsChange {
    if (url === null) return { setCredentials: { totp: null }, protected: true, pending: { totp_url: null } };
    return {
      // Kratos's credential: the identity id as identifier, the otpauth URL as config.
      setCredentials: { totp: { identifiers: [identityId!], config: { totp_url: url } } },
      sessionMethod: { method: 'totp', aal: 'aal2', completed_at: this.now() },
      protected: true,
      pending: { totp_url: url },
    };
  }

  /** The key shown in this flow's form (the stored flow, never the request, is the source). */
  private pendingUrl(flow: Flow, accountName: string): string {
    const node = flow.ui.nodes.find((n) => n.type === 'text' && n.attributes.id === SECRET_NODE);
    const secret = (node?.attributes.text as { context?: { secret?: unknown } } | undefined)?.context?.secret;
    if (typeof secret !== 'string' || secret === '') {
      throw new KratosError(400, { reason: 'This settings flow holds no authenticator key to confirm. Start a new settings flow to link an authenticator app.' });
    }
    return keyFromSecret(secret, this.deps.issuer(), accountName).url;
  }

  /** The trait marked `totp.account_name` in the identity schema, else the identity id (as Kratos). */
  private async accountName(identity: Identity): Promise<string> {
    try {
      const result = (await this.deps.schemas.get(identity.schema_id)).validateTraits(identity.traits);
      if (result.ok && result.credentials.totp.accountName) return result.credentials.totp.accountName;
    } catch {
      // An identity whose traits no longer validate still gets a key, named by its id.
    }
    return identity.id;
  }
}
