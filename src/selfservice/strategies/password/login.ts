import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { KratosError } from '../../../errors/kratos-error.js';
import { bcryptTooLong, checkPassword, needsRehash, type Hasher } from '../../../hash/index.js';
import type { SignInAttempt } from '../../../security/brute-force-limiter.js';
import type { Identity } from '../../../identity/identity.js';
import type { IdentityPool } from '../../../identity/pool.js';
import type { SchemaRegistry } from '../../../schema/registry.js';
import { errorInvalidCredentials, validationRequired } from '../../../text/index.js';
import { infoLoginPassword } from '../../../text/index.js';
import { UiNodeAutocomplete, UiNodeGroup } from '../../../ui/node.js';
import { methodNode, passwordLoginNodes, passwordLoginRefreshNodes, passwordNode } from '../../../ui/password-nodes.js';
import { stringField } from '../../flow/body.js';
import type { Flow } from '../../flow/flow.js';
import { FlowValidationError } from '../../flow/validation.js';
import type { UiNodeJson } from '../../flow/ui-json.js';
import { names, notResponsible, type LoginFormContext, type LoginMethod, type MethodOutcome, type Submission } from '../../flow/method.js';
import { toJson } from '../../flow/ui-json.js';

export interface PasswordLoginDeps {
  identities: IdentityPool;
  hasher: Hasher;
  schemas: SchemaRegistry;
  logger: Logger;
  /** The default identity schema, whose identifier trait names the identifier field. */
  defaultSchema: () => Promise<unknown>;
  /** The brute-force limiter: counts the attempt before the password is looked at. */
  limiter: { beginSignIn(account: string, clientAddress: string): Promise<SignInAttempt> };
}

/** Lower-cased and trimmed, as identifiers are stored. */
export const normalizeIdentifier = (s: string): string => s.trim().toLowerCase();

/** The `password` login method: a first factor (aal1). */
export class PasswordLoginStrategy implements LoginMethod {
  constructor(private readonly deps: PasswordLoginDeps) {}

  async nodes(ctx: LoginFormContext): Promise<UiNodeJson[]> {
    if (ctx.requestedAal !== 'aal1') return [];
    // A refresh re-confirms the signed-in user: the identifier is fixed, only the password is asked.
    // The session's identity comes without credentials (the session check's fast path); they are loaded here.
    const own = ctx.refresh && ctx.session ? await this.deps.identities.getIdentity(ctx.session.identity_id, { withCredentials: true }) : null;
    const identifier = own?.credentials.password?.identifiers[0];
    return (identifier !== undefined ? passwordLoginRefreshNodes(identifier) : passwordLoginNodes(await this.deps.defaultSchema())).map(toJson);
  }

  /** Identifier-first, once an identifier is named: the password and its button, whoever it names. */
  async identifiedNodes(ctx: LoginFormContext): Promise<UiNodeJson[]> {
    if (ctx.requestedAal !== 'aal1' || ctx.refresh) return [];
    return [passwordNode(UiNodeAutocomplete.CurrentPassword), methodNode(UiNodeGroup.Password, 'password', infoLoginPassword())].map(toJson);
  }

  async submit(s: Submission, ctx: LoginFormContext): Promise<MethodOutcome> {
    if (!names(s, 'password')) return notResponsible();
    const identity = await this.login(s.flow, s.fields, ctx, s.req.ip ?? '');
    return { kind: 'authenticated', identity, method: { method: 'password', aal: 'aal1', completed_at: new Date() } };
  }

  private async login(flow: Flow, fields: Record<string, unknown>, ctx: LoginFormContext, clientAddress: string): Promise<Identity> {
    // `password_identifier` is the name older Kratos clients send.
    const identifier = stringField(fields, 'identifier') ?? stringField(fields, 'password_identifier') ?? '';
    const password = stringField(fields, 'password') ?? '';
    const missing = [];
    if (identifier.trim() === '') missing.push({ node: 'identifier', message: validationRequired('identifier') });
    if (password === '') missing.push({ node: 'password', message: validationRequired('password') });
    if (missing.length > 0) throw new FlowValidationError(missing, { identifier });

    // Counted before anything is checked; a delayed or locked account answers as a wrong password does.
    const attempt = await this.deps.limiter.beginSignIn(normalizeIdentifier(identifier), clientAddress);
    if (!attempt.admitted) throw this.invalid(identifier);
    // bcrypt cannot use more than 72 bytes: refused before any lookup, for known and unknown identifiers alike.
    if (this.deps.hasher.algorithm === 'bcrypt' && bcryptTooLong(password)) throw this.invalid(identifier);
    const identity = await this.deps.identities.findByCredentialsIdentifier('password', normalizeIdentifier(identifier));
    const stored = identity?.credentials.password?.config.hashed_password;
    const usable = identity !== null && typeof stored === 'string' && stored !== '';
    // An unknown identifier is checked against a stand-in hash of the configured algorithm: the same path and time.
    const verdict = await checkPassword(password, usable ? stored : await this.standInHash());
    if (!usable || verdict !== 'match') throw this.invalid(identifier);
    await attempt.succeeded();
    if (ctx.refresh && ctx.session && ctx.session.identity_id !== identity.id) {
      throw new KratosError(403, { id: 'security_identity_mismatch', reason: 'The signed-in identity does not match the identity that was used to re-authenticate.' });
    }
    if (identity.state !== 'active') {
      throw new KratosError(401, { message: 'identity is disabled', reason: 'This account was disabled.', details: { identity_id: identity.id } });
    }
    if (needsRehash(stored, this.deps.hasher)) await this.upgradeHash(identity, password);
    void flow;
    return identity;
  }

  private standIn: Promise<string> | undefined;

  /** A hash of a random password with the configured hasher, made once. */
  private standInHash(): Promise<string> {
    this.standIn ??= this.deps.hasher.hash(randomBytes(18).toString('base64url'));
    return this.standIn;
  }

  private invalid(identifier: string): FlowValidationError {
    return new FlowValidationError([{ message: errorInvalidCredentials() }], { identifier });
  }

  /** Imported or outdated hashes are replaced by the configured algorithm after a successful check. */
  private async upgradeHash(identity: Identity, password: string): Promise<void> {
    try {
      const cred = identity.credentials.password!;
      cred.config = { ...cred.config, hashed_password: await this.deps.hasher.hash(password) };
      cred.updated_at = new Date();
      await this.deps.identities.updateIdentity(identity);
    } catch (err) {
      // The login itself succeeded; the upgrade is retried at the next login.
      this.deps.logger.warn({ err, identity_id: identity.id }, 'could not upgrade the password hash');
    }
  }
}

