/**
 * The UI node model: the `ui.nodes[]` entries flows return. A node is a plain object in the wire
 * shape (`{type, group, attributes, messages, meta}`), so a flow stored as JSON reads back as
 * nodes; `nodeToJSON` writes one exactly as Kratos does (key order, omitted empty attributes).
 */
import { randomUUID } from 'node:crypto';
import type { UiText } from '../text/message.js';

/** Which strategy a node belongs to. */
export const UiNodeGroup = {
  Default: 'default',
  Password: 'password',
  Oidc: 'oidc',
  Profile: 'profile',
  Link: 'link',
  Code: 'code',
  Totp: 'totp',
  LookupSecret: 'lookup_secret',
  WebAuthn: 'webauthn',
  Passkey: 'passkey',
  IdentifierFirst: 'identifier_first',
  Captcha: 'captcha',
  Saml: 'saml',
  DeviceAuthn: 'deviceauthn',
} as const;
export type UiNodeGroup = (typeof UiNodeGroup)[keyof typeof UiNodeGroup];

export const UiNodeType = {
  Input: 'input',
  Text: 'text',
  Image: 'img',
  Anchor: 'a',
  Script: 'script',
  Division: 'div',
} as const;
export type UiNodeType = (typeof UiNodeType)[keyof typeof UiNodeType];

/** The `type` of an input node. */
export const UiNodeInputType = {
  Text: 'text',
  Password: 'password',
  Number: 'number',
  Checkbox: 'checkbox',
  Hidden: 'hidden',
  Email: 'email',
  Tel: 'tel',
  Submit: 'submit',
  Button: 'button',
  DateTimeLocal: 'datetime-local',
  Date: 'date',
  Url: 'url',
} as const;
export type UiNodeInputType = (typeof UiNodeInputType)[keyof typeof UiNodeInputType];

export const UiNodeAutocomplete = {
  Email: 'email',
  Tel: 'tel',
  Url: 'url',
  CurrentPassword: 'current-password',
  NewPassword: 'new-password',
  OneTimeCode: 'one-time-code',
  Username: 'username',
  UsernameWebAuthn: 'username webauthn',
} as const;
export type UiNodeAutocomplete = (typeof UiNodeAutocomplete)[keyof typeof UiNodeAutocomplete];

export interface UiNodeInputAttributes {
  node_type: 'input';
  name: string;
  type: UiNodeInputType;
  /** Omitted on the wire when undefined or null; never sent for password inputs. */
  value?: unknown;
  required?: boolean;
  autocomplete?: UiNodeAutocomplete;
  /** The input's own label (rare; most labels are `meta.label`). */
  label?: UiText;
  pattern?: string;
  disabled: boolean;
  onclick?: string;
  onclickTrigger?: string;
  onload?: string;
  onloadTrigger?: string;
  maxlength?: number;
}

export interface UiNodeTextAttributes {
  node_type: 'text';
  id: string;
  text: UiText;
}

export interface UiNodeImageAttributes {
  node_type: 'img';
  id: string;
  src: string;
  width: number;
  height: number;
}

export interface UiNodeAnchorAttributes {
  node_type: 'a';
  id: string;
  href: string;
  title: UiText;
}

export interface UiNodeScriptAttributes {
  node_type: 'script';
  id: string;
  src: string;
  async: boolean;
  referrerpolicy: string;
  crossorigin: string;
  integrity: string;
  type: string;
  nonce: string;
}

export interface UiNodeDivisionAttributes {
  node_type: 'div';
  id: string;
  class?: string;
  data?: Record<string, string>;
}

export type UiNodeAttributes =
  | UiNodeInputAttributes
  | UiNodeTextAttributes
  | UiNodeImageAttributes
  | UiNodeAnchorAttributes
  | UiNodeScriptAttributes
  | UiNodeDivisionAttributes;

export interface UiNodeMeta {
  label?: UiText;
}

export interface UiNode<A extends UiNodeAttributes = UiNodeAttributes> {
  type: A['node_type'];
  group: UiNodeGroup;
  attributes: A;
  messages: UiText[];
  meta: UiNodeMeta;
}

export type UiInputNode = UiNode<UiNodeInputAttributes>;

export interface InputNodeOptions {
  required?: boolean;
  autocomplete?: UiNodeAutocomplete;
  pattern?: string;
  disabled?: boolean;
  /** The node's `meta.label`, the label UIs show. */
  label?: UiText;
  /** The input's own `attributes.label`. */
  inputLabel?: UiText;
  onclick?: string;
  onclickTrigger?: string;
  onload?: string;
  onloadTrigger?: string;
  maxlength?: number;
}

function meta(label: UiText | undefined): UiNodeMeta {
  return label === undefined ? {} : { label };
}

/** An input node. `value` undefined or null means none (`""` is a value and is sent). */
export function inputNode(
  group: UiNodeGroup,
  name: string,
  value: unknown,
  type: UiNodeInputType,
  opts: InputNodeOptions = {},
): UiInputNode {
  const attributes: UiNodeInputAttributes = { node_type: 'input', name, type, disabled: opts.disabled ?? false };
  if (value !== undefined && value !== null) attributes.value = value;
  if (opts.required) attributes.required = true;
  if (opts.autocomplete) attributes.autocomplete = opts.autocomplete;
  if (opts.inputLabel) attributes.label = opts.inputLabel;
  if (opts.pattern) attributes.pattern = opts.pattern;
  if (opts.onclick) attributes.onclick = opts.onclick;
  if (opts.onclickTrigger) attributes.onclickTrigger = opts.onclickTrigger;
  if (opts.onload) attributes.onload = opts.onload;
  if (opts.onloadTrigger) attributes.onloadTrigger = opts.onloadTrigger;
  if (opts.maxlength) attributes.maxlength = opts.maxlength;
  return { type: 'input', group, attributes, messages: [], meta: meta(opts.label) };
}

export function textNode(group: UiNodeGroup, id: string, text: UiText, opts: { label?: UiText } = {}): UiNode<UiNodeTextAttributes> {
  return { type: 'text', group, attributes: { node_type: 'text', id, text }, messages: [], meta: meta(opts.label) };
}

export function imageNode(
  group: UiNodeGroup,
  id: string,
  src: string,
  opts: { width?: number; height?: number; label?: UiText } = {},
): UiNode<UiNodeImageAttributes> {
  return {
    type: 'img',
    group,
    attributes: { node_type: 'img', id, src, width: opts.width ?? 0, height: opts.height ?? 0 },
    messages: [],
    meta: meta(opts.label),
  };
}

export function anchorNode(group: UiNodeGroup, id: string, href: string, title: UiText): UiNode<UiNodeAnchorAttributes> {
  return { type: 'a', group, attributes: { node_type: 'a', id, href, title }, messages: [], meta: {} };
}

export interface ScriptNodeOptions {
  integrity?: string;
  /** A fresh UUID unless given. */
  nonce?: string;
  async?: boolean;
  type?: string;
  crossorigin?: string;
  referrerpolicy?: string;
}

/** A script node with Kratos's defaults: async, `text/javascript`, anonymous CORS, no referrer. */
export function scriptNode(group: UiNodeGroup, id: string, src: string, opts: ScriptNodeOptions = {}): UiNode<UiNodeScriptAttributes> {
  return {
    type: 'script',
    group,
    attributes: {
      node_type: 'script',
      id,
      src,
      async: opts.async ?? true,
      referrerpolicy: opts.referrerpolicy ?? 'no-referrer',
      crossorigin: opts.crossorigin ?? 'anonymous',
      integrity: opts.integrity ?? '',
      type: opts.type ?? 'text/javascript',
      nonce: opts.nonce ?? randomUUID(),
    },
    messages: [],
    meta: {},
  };
}

export function divNode(
  group: UiNodeGroup,
  id: string,
  opts: { class?: string; data?: Record<string, string> } = {},
): UiNode<UiNodeDivisionAttributes> {
  const attributes: UiNodeDivisionAttributes = { node_type: 'div', id };
  if (opts.class) attributes.class = opts.class;
  if (opts.data !== undefined) attributes.data = { ...opts.data };
  return { type: 'div', group, attributes, messages: [], meta: {} };
}

/** The node's identity within a form: an input's `name`, any other node's `id`. */
export function nodeName(node: UiNode): string {
  return node.attributes.node_type === 'input' ? node.attributes.name : node.attributes.id;
}

/** The node's value: an input's value, an image's or script's src, a link's href, a text's text. */
export function nodeValue(node: UiNode): unknown {
  const a = node.attributes;
  switch (a.node_type) {
    case 'input':
      return a.value;
    case 'img':
    case 'script':
      return a.src;
    case 'a':
      return a.href;
    case 'text':
      return a.text;
    case 'div':
      return undefined;
  }
}

export function isInputNode(node: UiNode): node is UiInputNode {
  return node.attributes.node_type === 'input';
}

// ---------------------------------------------------------------------------------------------
// Wire form

function textJSON(t: UiText): UiText {
  const out: UiText = { id: t.id, text: t.text, type: t.type };
  if (t.context !== undefined && Object.keys(t.context).length > 0) out.context = structuredClone(t.context);
  return out;
}

function attributesJSON(a: UiNodeAttributes): Record<string, unknown> {
  switch (a.node_type) {
    case 'input': {
      const out: Record<string, unknown> = { name: a.name, type: a.type };
      // A password is never echoed back, whatever was set on the node.
      if (a.value !== undefined && a.value !== null && a.type !== 'password') out.value = structuredClone(a.value);
      if (a.required) out.required = true;
      if (a.autocomplete) out.autocomplete = a.autocomplete;
      if (a.label) out.label = textJSON(a.label);
      if (a.pattern) out.pattern = a.pattern;
      out.disabled = a.disabled === true;
      if (a.onclick) out.onclick = a.onclick;
      if (a.onclickTrigger) out.onclickTrigger = a.onclickTrigger;
      if (a.onload) out.onload = a.onload;
      if (a.onloadTrigger) out.onloadTrigger = a.onloadTrigger;
      if (a.maxlength) out.maxlength = a.maxlength;
      out.node_type = 'input';
      return out;
    }
    case 'text':
      return { text: textJSON(a.text), id: a.id, node_type: 'text' };
    case 'img':
      return { src: a.src, id: a.id, width: a.width, height: a.height, node_type: 'img' };
    case 'a':
      return { href: a.href, title: textJSON(a.title), id: a.id, node_type: 'a' };
    case 'script':
      return {
        src: a.src,
        async: a.async,
        referrerpolicy: a.referrerpolicy,
        crossorigin: a.crossorigin,
        integrity: a.integrity,
        type: a.type,
        id: a.id,
        nonce: a.nonce,
        node_type: 'script',
      };
    case 'div': {
      const out: Record<string, unknown> = {};
      if (a.class) out.class = a.class;
      out.id = a.id;
      if (a.data !== undefined) out.data = { ...a.data };
      out.node_type = 'div';
      return out;
    }
  }
}

/** The node as Kratos serializes it: a fresh object, safe to hand to JSON.stringify or a client. */
export function nodeToJSON(node: UiNode): Record<string, unknown> {
  return {
    type: node.attributes.node_type,
    group: node.group,
    attributes: attributesJSON(node.attributes),
    messages: node.messages.map(textJSON),
    meta: node.meta.label ? { label: textJSON(node.meta.label) } : {},
  };
}

/** A deep copy of a node. */
export function cloneNode<N extends UiNode>(node: N): N {
  return structuredClone(node);
}
