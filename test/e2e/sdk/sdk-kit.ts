// Helpers for the @ory/client end-to-end suites: SDK clients bound to a test server, and wrappers
// that check every response the SDK received (success or error) against api.json.
//
//   const { frontend, identity } = sdkClients(s);
//   const flow = (await ok(frontend.createNativeLoginFlow(), 'public')).data;
//   const invalid = await fails(frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody }), 400, 'public');

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Configuration, FrontendApi, IdentityApi } from '@ory/client';
import type { LoginFlow, RegistrationFlow, UiNode, UiText } from '@ory/client';
import { assertMatchesApi, type ApiName } from '../../testkit/openapi.js';
import type { TestServer } from '../../testkit/server.js';

/**
 * What the SDK resolves with (an axios response), reduced to the parts these tests read. Declared
 * here so the suites depend on @ory/client only, not on its HTTP library.
 */
export interface SdkResponse<T = any> {
  status: number;
  data: T;
  headers: Record<string, unknown>;
  config: { url?: string; method?: string };
}

/** The error the SDK throws for an HTTP error status (an AxiosError). */
interface SdkHttpError extends Error {
  isAxiosError: true;
  response?: SdkResponse;
}

function isSdkHttpError(err: unknown): err is SdkHttpError {
  return err instanceof Error && (err as Partial<SdkHttpError>).isAxiosError === true;
}

export interface SdkClients {
  /** The public API, as an app or a mobile client would use it. */
  frontend: FrontendApi;
  /** The admin API. */
  identity: IdentityApi;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** SDK clients pointed at a test server's public and admin listeners, as an app would configure them. */
export function sdkClients(s: TestServer): SdkClients {
  return {
    frontend: new FrontendApi(new Configuration({ basePath: trimSlash(s.publicUrl) })),
    identity: new IdentityApi(new Configuration({ basePath: trimSlash(s.adminUrl) })),
  };
}

type ConfigObject = Record<string, unknown>;

function mergeConfig(a: ConfigObject, b: ConfigObject): ConfigObject {
  const out: ConfigObject = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const current = out[key];
    const bothObjects = [value, current].every((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
    out[key] = bothObjects ? mergeConfig(current as ConfigObject, value as ConfigObject) : value;
  }
  return out;
}

/** Server configuration for these suites: `extra`, with the breach check off (no network in tests). */
export function sdkServerConfig(extra: ConfigObject = {}): ConfigObject {
  return mergeConfig(extra, { selfservice: { methods: { password: { config: { haveibeenpwned_enabled: false } } } } });
}

/** Checks one response the SDK received against the contract. */
export function assertSdkResponse(res: SdkResponse, api: ApiName): void {
  const { url, method } = res.config;
  assert.ok(url !== undefined && method !== undefined, 'the SDK response carries its request');
  assertMatchesApi({ method, url, status: res.status, body: res.data, api });
}

/** Awaits a successful SDK call and checks its response against the contract. */
export async function ok<T>(call: Promise<SdkResponse<T>>, api: ApiName): Promise<SdkResponse<T>> {
  const res = await call;
  assertSdkResponse(res, api);
  return res;
}

/**
 * Awaits an SDK call that must fail with an HTTP error (the SDK throws an AxiosError), checks the
 * status and the error response against the contract, and returns that response.
 */
export async function fails<T = any>(call: Promise<unknown>, status: number, api: ApiName): Promise<SdkResponse<T>> {
  let caught: unknown;
  try {
    await call;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected the SDK call to fail with ${status}, but it succeeded`);
  if (!isSdkHttpError(caught) || caught.response === undefined) throw caught;
  const res: SdkResponse<T> = caught.response;
  assert.equal(res.status, status, `status ${res.status}, body ${JSON.stringify(res.data)}`);
  assertSdkResponse(res, api);
  return res;
}

/** The `page_token` of the `rel="next"` entry of a list response's Link header; undefined on the last page. */
export function nextPageToken(res: SdkResponse): string | undefined {
  const link = res.headers.link;
  if (typeof link !== 'string') return undefined;
  const next = /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
  return next === undefined ? undefined : (new URL(next, 'http://link.invalid').searchParams.get('page_token') ?? undefined);
}

/** A fresh address; identities from every test share one database. */
export function uniqueEmail(prefix = 'sdk'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}@example.com`;
}

/** A password that passes the default policy (length, similarity) offline. */
export const GOOD_PASSWORD = 'correct horse battery staple 42';

function nodeName(node: UiNode): string | undefined {
  const attrs = node.attributes as { name?: unknown };
  return typeof attrs.name === 'string' ? attrs.name : undefined;
}

/** The node of a flow's form with this input name. */
export function findNode(flow: LoginFlow | RegistrationFlow, name: string): UiNode {
  const node = flow.ui.nodes.find((n) => nodeName(n) === name);
  assert.ok(node, `the flow has a node named ${name}; it has ${flow.ui.nodes.map(nodeName).join(', ')}`);
  return node;
}

/** The message ids on the node with this input name. */
export function nodeMessageIds(flow: LoginFlow | RegistrationFlow, name: string): number[] {
  return findNode(flow, name).messages.map((m: UiText) => m.id);
}

/** The message ids on the form itself. */
export function formMessageIds(flow: LoginFlow | RegistrationFlow): number[] {
  return (flow.ui.messages ?? []).map((m: UiText) => m.id);
}
