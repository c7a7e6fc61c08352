import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { isUpstreamFailure, KratosError } from '../../../errors/kratos-error.js';
import type { TesseraOidcProviderOptions } from '../../../config/types.js';
import type { Identity } from '../../../identity/identity.js';
import type { MappedIdentity } from './claims-mapper.js';
import type { IdentityManager } from '../../../identity/manager.js';
import type { IdentityPool } from '../../../identity/pool.js';
import type { Cipher } from '../../../lib/cipher.js';
import type { SchemaRegistry } from '../../../schema/registry.js';
import type { AuthenticationMethod } from '../../../session/session.js';
import { UiNodeGroup } from '../../../ui/node.js';
import { nodesFromIdentitySchema } from '../../../ui/schema-nodes.js';
import { CSRF_TOKEN_NAME } from '../../../ui/csrf.js';
import type { Flow } from '../../flow/flow.js';
import type { FlowMessage, FlowResumption, MethodOutcome, Submission } from '../../flow/method.js';
import { transientPayload } from '../../flow/body.js';
import { browserResponseMode } from '../../flow/request.js';
import { checkIdTokenNonce } from './id-token.js';
import { setPendingLink } from '../../flow/pending-link.js';
import { errorDuplicateCredentialsOnOidcLink, infoLoginAndLink, infoLoginLink, infoLoginWithAndLink, TextId } from '../../../text/index.js';
import type { UiNodeJson } from '../../flow/ui-json.js';
import { toJson } from '../../flow/ui-json.js';
import type { OidcAuthorization, PendingAuthorization } from './authorization.js';
import { addProviderEntry, linkedEntries, oidcIdentifier, providerEntry, type OidcProviderEntry } from './credentials.js';
import { continueNode } from './nodes.js';
import { linkChange } from './settings.js';
import { callbackError, type ProviderResult } from './provider.js';
import type { ConfiguredProvider, OidcProviders } from './providers.js';

export interface OidcCallbackDeps {
  /** `selfservice.flows.login.ui_url` (the linking message names it). */
  loginUiUrl(): string;
  providers: OidcProviders;
  authorization: OidcAuthorization;
  identities: IdentityPool;
  identityManager: IdentityManager;
  schemas: SchemaRegistry;
  cipher: Cipher;
  logger: Logger;
  /** `selfservice.default_browser_return_url`: where a native app's browser goes when its flow has no return_to. */
  defaultReturnTo(): string;
  /** Hands a native app's session to the exchange of its flow; the return_to code, or null. */
  tokenExchange: { complete(flowId: string, sessionId: string, sessionToken: string): Promise<string | null> };
  /** Tessera's opt-ins for a provider (`tessera.oidc.providers.<id>`). */
  options(providerId: string): TesseraOidcProviderOptions;
  /** Stores an error and sends the browser to the error UI, whatever its status. */
  showOnErrorPage(reply: FastifyReply, err: unknown): Promise<FastifyReply>;
}

/** The flows a callback can finish: it finds its flow by the state, and may continue a sign-in as a sign-up or back. */
export interface OidcFlows {
  login: FlowResumption;
  registration: FlowResumption;
  settings: FlowResumption;
}

/**
 * `/self-service/methods/oidc/callback/{provider}`: the provider sends the browser back here. The
 * state leads to the flow (and must come from the browser that left); the code is exchanged and the
 * ID token checked; then a known subject signs in and an unknown one signs up, whichever flow the
 * user started from, as Kratos does. The flows answer; this only decides the outcome.
 */
export class OidcCallback {
  private flows: OidcFlows | null = null;

  constructor(private readonly deps: OidcCallbackDeps) {}

  /** The flows answers go through, given when the routes are mounted (they are built after the methods). */
  attach(flows: OidcFlows): void {
    this.flows = flows;
  }

  /**
   * Native sign-in: an app signed the user in with the provider's SDK and submits the ID token
   * (`id_token`, `id_token_nonce`) to a login or registration flow. The token is checked against
   * the provider's keys (issuer, audience incl. `additional_id_token_audiences`, expiry, nonce), then
   * it goes on as a callback would.
   */
  async submitIdToken(s: Submission, providerId: string, idToken: string, nonce: string, traits?: Record<string, unknown>): Promise<MethodOutcome> {
    const flows = this.flows;
    if (!flows || !s.reply) throw new KratosError(500, { reason: 'Social sign-in was used before its routes were mounted.' });
    const provider = this.deps.providers.get(providerId);
    const verify = provider.client.verifyIdToken;
    if (!verify) throw new KratosError(400, { reason: `The provider ${JSON.stringify(providerId)} does not support id_token verification (Apple and Google do).` });
    const { claims, nonceOptional } = await verify.call(provider.client, idToken);
    checkIdTokenNonce(claims.raw_claims, nonce, nonceOptional);
    const pending: PendingAuthorization = {
      provider: providerId,
      state_digest: '',
      continuity_digest: '',
      nonce: '',
      ...(traits ? { traits } : {}),
      transient_payload: transientPayload(s.fields),
    };
    const result: ProviderResult = { claims, tokens: { id_token: idToken, access_token: '', refresh_token: '' } };
    return { kind: 'answered', body: await this.complete(s.req, s.reply, s.flow, provider, pending, result, flows) };
  }

  async handle(req: FastifyRequest, reply: FastifyReply, providerFromPath: string | undefined, flows: OidcFlows): Promise<unknown> {
    let flow: Flow | null = null;
    try {
      const consumed = await this.deps.authorization.consume(req, reply, providerFromPath);
      flow = consumed.flow;
      const { pending } = consumed;
      const q = req.query as Record<string, unknown>;
      if (typeof q.error === 'string' && q.error !== '') {
        throw callbackError(`Unable to complete OpenID Connect flow because the OpenID Provider returned error ${JSON.stringify(q.error)}: ${String(q.error_description ?? '')}`);
      }
      if (typeof q.code !== 'string' || q.code === '') throw callbackError('Unable to complete OpenID Connect flow because the OpenID Provider did not return the code query parameter.');
      const provider = this.deps.providers.get(pending.provider);
      const rawQuery = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      const result = await provider.client.exchange(rawQuery, { state: String(q.state), nonce: pending.nonce, ...(pending.code_verifier !== undefined ? { codeVerifier: pending.code_verifier } : {}) });

      const answer = await this.complete(req, reply, flow, provider, pending, result, flows);
      return flow.type === 'api' ? await this.toNativeApp(reply, flow, answer) : answer;
    } catch (err) {
      // The reason only: states, codes and tokens stay out of the logs.
      this.deps.logger.info({ flow_id: flow?.id, reason: err instanceof KratosError ? err.reason : (err as Error).message }, 'social sign-in callback refused');
      // A provider that fails or answers nonsense (502, 504) is no fault of the browser's nor of
      // Tessera's: the browser that came back from it sees the error page, as Kratos forwards it there.
      if (err instanceof KratosError && isUpstreamFailure(err) && flow?.type !== 'api' && browserResponseMode(req) === 'browser') {
        return this.deps.showOnErrorPage(reply, err);
      }
      return (flow?.kind === 'registration' ? flows.registration : flow?.kind === 'settings' ? flows.settings : flows.login).fail(req, reply, flow, err);
    }
  }

  /**
   * The end of a native app's social sign-in in the browser (Kratos's session token exchange):
   * the session goes to the exchange of the flow the app created, and the browser to the flow's
   * `return_to` (else the default browser return URL) with `code`, the second half the app needs.
   * A sign-up that issued no session sends the browser there without a code; an answer already
   * sent (a form shown again, an error) stays as it is.
   */
  private async toNativeApp(reply: FastifyReply, flow: Flow, answer: unknown): Promise<unknown> {
    if (reply.sent || typeof answer !== 'object' || answer === null || answer === reply) return answer;
    const a = answer as { session_token?: unknown; session?: { id?: unknown } };
    const target = new URL(flow.return_to ?? this.deps.defaultReturnTo());
    if (typeof a.session_token === 'string' && typeof a.session?.id === 'string') {
      const code = await this.deps.tokenExchange.complete(flow.id, a.session.id, a.session_token);
      if (code) target.searchParams.set('code', code);
    }
    return reply.redirect(target.toString(), 303);
  }

  /**
   * Where a provider's answer leads, whether it came through the callback or as an ID token an app
   * submitted: a link in settings, a sign-in for a known subject, a sign-up for a new one (each
   * continuing in the other flow when the user started from there, as Kratos does).
   */
  async complete(req: FastifyRequest, reply: FastifyReply, flow: Flow, provider: ConfiguredProvider, pending: PendingAuthorization, result: ProviderResult, flows: OidcFlows): Promise<unknown> {
    const existing = await this.deps.identities.findByCredentialsIdentifier('oidc', oidcIdentifier(provider.client.id, result.claims.sub));
    if (flow.kind === 'settings') {
      // Linking: a provider account that already signs in to another identity is not moved over.
      if (existing && existing.id !== flow.identity_id) {
        return await flows.settings.resume(req, reply, flow, 'oidc', { kind: 'show_again', status: 400, messages: [{ message: errorDuplicateCredentialsOnOidcLink() }] });
      }
      return await flows.settings.resume(req, reply, flow, 'oidc', linkChange(providerEntry(provider.client.id, result, this.deps.cipher)), pending.transient_payload);
    }
    if (existing) {
      const loginFlow = flow.kind === 'login' ? flow : await flows.login.takeOver(req, reply, flow);
      return await this.signIn(req, reply, loginFlow, existing, provider, pending, flows.login);
    }
    const registrationFlow = flow.kind === 'registration' ? flow : await flows.registration.takeOver(req, reply, flow);
    return await this.signUp(req, reply, registrationFlow, provider, pending, result, flows);
  }

  private method(provider: ConfiguredProvider): AuthenticationMethod {
    return { method: 'oidc', aal: 'aal1', completed_at: new Date(), provider: provider.client.id };
  }

  private signIn(req: FastifyRequest, reply: FastifyReply, flow: Flow, identity: Identity, provider: ConfiguredProvider, pending: PendingAuthorization, login: FlowResumption) {
    if (identity.state !== 'active') {
      throw new KratosError(401, { message: 'identity is disabled', reason: 'This account was disabled.', details: { identity_id: identity.id } });
    }
    return login.resume(req, reply, flow, 'oidc', { kind: 'authenticated', identity, method: this.method(provider) }, pending.transient_payload);
  }

  private async signUp(req: FastifyRequest, reply: FastifyReply, flow: Flow, provider: ConfiguredProvider, pending: PendingAuthorization, result: ProviderResult, flows: OidcFlows) {
    const registration = flows.registration;
    const mapped = await provider.mapper.map(result.claims);
    // What the user typed into a form sent back for missing traits wins over the provider's values (Kratos's merge).
    const traits = pending.traits ? { ...mapped.traits, ...pending.traits } : mapped.traits;
    const schemaId = String(flow.data.identity_schema);
    const schema = await this.deps.schemas.get(schemaId);
    const check = schema.validateTraits(traits);
    if (!check.ok) {
      this.showTraitsForm(flow, schema.raw(), provider.client.id);
      const messages: FlowMessage[] = check.errors.map((e) => ({ message: e.message, ...(e.nodeName ? { node: e.nodeName } : {}) }));
      return registration.resume(req, reply, flow, 'oidc', { kind: 'show_again', status: 400, messages, values: { traits } }, pending.transient_payload);
    }

    const identity = await this.deps.identityManager.build({
      schema_id: schemaId,
      traits,
      state: 'active',
      ...(mapped.metadataPublic !== undefined ? { metadata_public: mapped.metadataPublic } : {}),
      ...(mapped.metadataAdmin !== undefined ? { metadata_admin: mapped.metadataAdmin } : {}),
    });
    // An address the provider vouches for (through the mapper) is stored verified (Kratos #1057).
    const now = new Date();
    for (const a of identity.verifiable_addresses) {
      if (mapped.verifiedAddresses.some((v) => v.via === a.via && v.value === a.value.toLowerCase())) {
        a.verified = true;
        a.verified_at = now;
        a.status = 'completed';
      }
    }
    const entry = providerEntry(provider.client.id, result, this.deps.cipher);
    const conflict = await this.conflictOf(identity);
    if (conflict) {
      const linked = await this.linkVerified(provider, entry, conflict, mapped.verifiedAddresses);
      if (linked) return this.signIn(req, reply, await flows.login.takeOver(req, reply, flow), linked, provider, pending, flows.login);
      return this.askToLink(req, reply, flow, provider, entry, conflict, flows);
    }
    addProviderEntry(identity, entry, now);
    return registration.resume(req, reply, flow, 'oidc', { kind: 'authenticated', identity, method: this.method(provider) }, pending.transient_payload);
  }

  /** The account that already holds one of the new identity's identifiers (its email, as a rule), if any. */
  private async conflictOf(identity: Identity): Promise<{ identifier: string; owner: Identity } | null> {
    for (const cred of Object.values(identity.credentials)) {
      if (!cred || cred.type === 'oidc') continue;
      for (const identifier of cred.identifiers) {
        const owner = await this.deps.identities.findByCredentialsIdentifier(cred.type, identifier);
        if (owner) return { identifier, owner };
      }
    }
    return null;
  }

  /**
   * `tessera.oidc.providers.<id>.link_verified_addresses`: the provider is linked to the account
   * that holds the address at once, without the linking step, when the provider vouched for the
   * address (the mapper's `verified_addresses`) and the account verified it too. The account must
   * be active and have no other subject of this provider. Null: the usual linking step.
   */
  private async linkVerified(provider: ConfiguredProvider, entry: OidcProviderEntry, conflict: { identifier: string; owner: Identity }, vouched: MappedIdentity['verifiedAddresses']): Promise<Identity | null> {
    if (!this.deps.options(provider.client.id).link_verified_addresses) return null;
    const value = conflict.identifier.trim().toLowerCase();
    if (!vouched.some((v) => v.value.toLowerCase() === value)) return null;
    const owner = await this.deps.identities.getIdentity(conflict.owner.id, { withCredentials: true });
    if (!owner || owner.state !== 'active') return null;
    if (!owner.verifiable_addresses.some((a) => a.verified && a.value.toLowerCase() === value)) return null;
    if (linkedEntries(owner).some((e) => e.provider === provider.client.id)) return null;
    addProviderEntry(owner, entry);
    await this.deps.identityManager.update(owner);
    this.deps.logger.info({ identity_id: owner.id, provider: provider.client.id }, 'social sign-in linked to the account with the same verified address');
    return owner;
  }

  /**
   * Kratos's account linking: instead of a second account, a login flow that says the address is
   * taken and asks the user to sign in to that account another way; the provider is linked then.
   * Only after the provider vouched for the user, so it tells nothing to someone who merely knows an address.
   */
  private async askToLink(req: FastifyRequest, reply: FastifyReply, from: Flow, provider: ConfiguredProvider, entry: OidcProviderEntry, conflict: { identifier: string; owner: Identity }, flows: OidcFlows) {
    const lf = await flows.login.takeOver(req, reply, from);
    setPendingLink(lf, { method: 'oidc', identity_id: conflict.owner.id, duplicate_identifier: conflict.identifier, credential: entry });
    const available = Object.values(conflict.owner.credentials).filter((c) => c && (c.type !== 'password' || c.config.hashed_password)).map((c) => c!.type);
    const providers = linkedEntries(conflict.owner).map((e) => e.provider);
    lf.ui.nodes = linkingNodes(lf.ui.nodes, provider.client.id, conflict.identifier);
    const message = infoLoginLink(conflict.identifier, provider.client.label, this.deps.loginUiUrl(), available, providers);
    return flows.login.resume(req, reply, lf, 'oidc', { kind: 'show_again', status: 200, messages: [{ message }] });
  }

  /** As Kratos: the sign-up form comes back with the CSRF token, the trait inputs and one "Continue" to the same provider. */
  private showTraitsForm(flow: Flow, schema: unknown, providerId: string): void {
    const csrf = flow.ui.nodes.filter((n) => (n.attributes as { name?: string }).name === CSRF_TOKEN_NAME);
    const traitNodes = nodesFromIdentitySchema(schema, { group: UiNodeGroup.Default }).map(toJson);
    flow.ui.nodes = [...csrf, ...traitNodes, toJson(continueNode(providerId))];
  }
}

/**
 * The login form of a linking step, as Kratos draws it: the provider just used is gone, the other
 * buttons say "Sign in and link" / "Confirm with …", and the identifier is fixed (hidden) to the
 * address that is taken.
 */
function linkingNodes(nodes: UiNodeJson[], usedProvider: string, identifier: string): UiNodeJson[] {
  const out: UiNodeJson[] = [];
  for (const n of nodes) {
    const a = n.attributes as { name?: string; type?: string; value?: unknown };
    const label = n.meta?.label as { id?: number; context?: { provider?: string; provider_id?: string } } | undefined;
    if (n.group === 'oidc' && label?.context?.provider_id === usedProvider) continue;
    if (a.name === 'identifier') {
      out.push({ ...n, attributes: { ...n.attributes, type: 'hidden', value: identifier } });
      continue;
    }
    if (label?.id === TextId.InfoLogin) out.push({ ...n, meta: { ...n.meta, label: infoLoginAndLink() } });
    else if (label?.id === TextId.InfoLoginWith) out.push({ ...n, meta: { ...n.meta, label: infoLoginWithAndLink(String(label.context?.provider ?? '')) } });
    else out.push(n);
  }
  return out;
}
