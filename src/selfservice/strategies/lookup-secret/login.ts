import type { IdentityPool } from '../../../identity/pool.js';
import type { SecondFactorUses } from '../../../identity/second-factor-uses.js';
import { errorLookupAlreadyUsed, errorLookupInvalid, errorNoLookup, validationRequired } from '../../../text/index.js';
import { infoLoginLookup, infoLoginLookupLabel } from '../../../text/login.js';
import { inputNode, UiNodeGroup, UiNodeInputType } from '../../../ui/node.js';
import { methodNode } from '../../../ui/password-nodes.js';
import { stringField } from '../../flow/body.js';
import { names, notResponsible, type LoginFormContext, type LoginMethod, type MethodOutcome, type Submission } from '../../flow/method.js';
import { toJson, type UiNodeJson } from '../../flow/ui-json.js';
import { FlowValidationError } from '../../flow/validation.js';
import { beginSecondFactorAttempt, secondFactorIdentity, type SecondFactorLoginDeps } from '../second-factor.js';
import { findCode, hasUnusedCode, storedCodes } from './codes.js';

export interface LookupSecretLoginDeps extends SecondFactorLoginDeps {
  identities: Pick<IdentityPool, 'getIdentity' | 'updateIdentity'>;
  uses: SecondFactorUses;
  /** The server secrets codes are digested with (`secrets.default`, newest first). */
  secretKeys(): readonly string[];
}

/** The `lookup_secret` login method: one backup code, usable once, as a second factor (aal2). */
export class LookupSecretLoginStrategy implements LoginMethod {
  private readonly now: () => Date;

  constructor(private readonly deps: LookupSecretLoginDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async nodes(ctx: LoginFormContext): Promise<UiNodeJson[]> {
    const identity = await secondFactorIdentity(this.deps, ctx);
    if (!identity || !hasUnusedCode(identity)) return [];
    return [
      inputNode(UiNodeGroup.LookupSecret, 'lookup_secret', '', UiNodeInputType.Text, { required: true, label: infoLoginLookupLabel() }),
      methodNode(UiNodeGroup.LookupSecret, 'lookup_secret', infoLoginLookup()),
    ].map(toJson);
  }

  async submit(s: Submission, ctx: LoginFormContext): Promise<MethodOutcome> {
    if (!names(s, 'lookup_secret')) return notResponsible();
    const identity = await secondFactorIdentity(this.deps, ctx);
    if (!identity) return notResponsible();
    const code = (stringField(s.fields, 'lookup_secret') ?? '').trim();
    if (code === '') throw new FlowValidationError([{ node: 'lookup_secret', message: validationRequired('lookup_secret') }]);
    const stored = storedCodes(identity);
    if (stored.length === 0) throw new FlowValidationError([{ message: errorNoLookup() }]);

    const attempt = await beginSecondFactorAttempt(this.deps, identity, s.req.ip ?? '');
    if (!attempt.admitted) throw new FlowValidationError([{ message: errorLookupInvalid() }]);
    const index = findCode(stored, code, identity.id, this.deps.secretKeys());
    if (index === -1) throw new FlowValidationError([{ message: errorLookupInvalid() }]);
    const entry = stored[index]!;
    const now = this.now();
    // The insert of the spent digest decides between concurrent uses of the same code.
    if (entry.used_at || !(await this.deps.uses.spendLookupCode(identity.id, entry.code, now))) {
      throw new FlowValidationError([{ message: errorLookupAlreadyUsed() }]);
    }
    await attempt.succeeded();
    const cred = identity.credentials.lookup_secret!;
    cred.config = { ...cred.config, recovery_codes: stored.map((c, i) => (i === index ? { ...c, used_at: now.toISOString() } : c)) };
    cred.updated_at = now;
    await this.deps.identities.updateIdentity(identity);
    return { kind: 'authenticated', identity, method: { method: 'lookup_secret', aal: 'aal2', completed_at: now } };
  }
}
