/**
 * Node ordering, as Kratos sorts a flow's nodes before returning it: first by group (in a given
 * group order; a group not listed goes first), then within each group by the position of the
 * first key the node's name starts with (`method` always last), ties broken by the value's text.
 */
import { goFloat } from '../text/go-format.js';
import { UiNodeGroup, nodeName, nodeValue, type UiNode } from './node.js';

export interface SortNodesOptions {
  /** Group order; nodes of one group are kept together in this order. */
  groups?: readonly UiNodeGroup[];
  /** Name prefixes in order (`csrf_token`, `identifier`, ...). */
  keysInOrder?: readonly string[];
  /** The identity schema's leaf keys in document order (see `schemaKeysInOrder`), after keysInOrder. */
  schemaKeys?: readonly string[];
  /** Rewrites the key list once keysInOrder and schemaKeys are joined (see `passwordLoginOrder`). */
  updateOrder?: (keys: string[]) => string[];
  /** Keys put after all others. */
  appendKeys?: readonly string[];
}

/**
 * Kratos's order for password forms: the CSRF token, the first key, the password, then the rest
 * (so the identifier trait sits right above the password field).
 */
export function passwordLoginOrder(keys: string[]): string[] {
  if (keys.length === 0) return ['csrf_token', 'password'];
  if (keys.length === 1) return ['csrf_token', keys[0], 'password'];
  return ['csrf_token', keys[0], 'password', ...keys.slice(1)];
}

/** The login flow's order. */
export function loginSortOptions(): SortNodesOptions {
  return {
    groups: [
      UiNodeGroup.Oidc,
      UiNodeGroup.Default,
      UiNodeGroup.WebAuthn,
      UiNodeGroup.Passkey,
      UiNodeGroup.Code,
      UiNodeGroup.Password,
      UiNodeGroup.Totp,
      UiNodeGroup.LookupSecret,
    ],
    keysInOrder: ['csrf_token', 'identifier', 'password'],
  };
}

/** The registration flow's order, given the identity schema's keys (`schemaKeysInOrder`). */
export function registrationSortOptions(schemaKeys: readonly string[]): SortNodesOptions {
  return {
    schemaKeys,
    groups: [
      UiNodeGroup.Oidc,
      UiNodeGroup.Default,
      UiNodeGroup.WebAuthn,
      UiNodeGroup.Passkey,
      UiNodeGroup.Code,
      UiNodeGroup.Password,
      UiNodeGroup.Profile,
    ],
    updateOrder: passwordLoginOrder,
    appendKeys: ['webauthn_remove', 'webauthn_register_displayname', 'webauthn_register'],
  };
}

/** Go's `%v` of a node value, for the tie-break. */
function goValueText(value: unknown): string {
  if (value === undefined || value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return goFloat(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(goValueText).join(' ')}]`;
  return JSON.stringify(value);
}

/** Go compares strings byte by byte (UTF-8), not by UTF-16 unit. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Sorts `nodes` in place (stable) and returns it. */
export function sortNodes<N extends UiNode>(nodes: N[], opts: SortNodesOptions): N[] {
  let keys = [...(opts.keysInOrder ?? []), ...(opts.schemaKeys ?? [])];
  if (opts.updateOrder) keys = opts.updateOrder(keys);
  keys.push(...(opts.appendKeys ?? []));

  const position = (node: UiNode): number => {
    const name = nodeName(node);
    if (name === 'method') return nodes.length + keys.length + 1;
    const i = keys.findIndex((k) => name.startsWith(k));
    return i < 0 ? keys.length : i;
  };

  if (opts.groups && opts.groups.length > 0) {
    const groups = opts.groups;
    const rank = new Map(nodes.map((n) => [n, groups.indexOf(n.group)]));
    nodes.sort((a, b) => rank.get(a)! - rank.get(b)!);
  }

  // Within each run of same-group nodes: by key position, then by the value's text.
  let start = 0;
  while (start < nodes.length) {
    let end = start + 1;
    while (end < nodes.length && nodes[end].group === nodes[start].group) end++;
    const run = nodes.slice(start, end).map((n) => ({ n, p: position(n), v: goValueText(nodeValue(n)) }));
    run.sort((a, b) => a.p - b.p || compareBytes(a.v, b.v));
    for (let i = 0; i < run.length; i++) nodes[start + i] = run[i].n;
    start = end;
  }
  return nodes;
}
