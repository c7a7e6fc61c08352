/**
 * The `ui` object of a flow: form action and method, the nodes strategies contributed, and the
 * form-wide messages. Mutable, like the flow that owns it; `toJSON()` gives the wire shape and
 * `UiContainer.fromJSON()` reads it back (flows are stored as JSON).
 */
import type { UiText } from '../text/message.js';
import { csrfNode } from './csrf.js';
import {
  cloneNode,
  inputNode,
  nodeName,
  nodeToJSON,
  UiNodeGroup,
  UiNodeInputType,
  type UiNode,
} from './node.js';
import { sortNodes, type SortNodesOptions } from './sort.js';

export interface UiContainerJSON {
  action: string;
  method: string;
  nodes: Record<string, unknown>[];
  /** Omitted when there are none, as Kratos does. */
  messages?: UiText[];
}

export interface UpsertOptions {
  /** Replace only a node with the same name in the same group (default: any group, as Kratos). */
  sameGroup?: boolean;
}

export class UiContainer {
  action: string;
  method: string;
  nodes: UiNode[];
  messages: UiText[];

  constructor(action: string, method = 'POST', nodes: UiNode[] = [], messages: UiText[] = []) {
    this.action = action;
    this.method = method;
    this.nodes = nodes;
    this.messages = messages;
  }

  /** Reads a container back from its wire shape (a stored flow's `ui`). */
  static fromJSON(json: unknown): UiContainer {
    if (typeof json !== 'object' || json === null) throw new TypeError('ui container: not an object');
    const j = json as Partial<Record<keyof UiContainerJSON, unknown>>;
    if (typeof j.action !== 'string' || typeof j.method !== 'string' || !Array.isArray(j.nodes)) {
      throw new TypeError('ui container: action, method and nodes are required');
    }
    const nodes = (j.nodes as unknown[]).map((raw) => {
      const n = structuredClone(raw) as UiNode;
      if (typeof n !== 'object' || n === null || typeof n.attributes !== 'object' || n.attributes === null) {
        throw new TypeError('ui container: a node has no attributes');
      }
      n.type = n.attributes.node_type ?? n.type;
      n.attributes.node_type = n.type as never;
      n.messages = Array.isArray(n.messages) ? n.messages : [];
      n.meta = typeof n.meta === 'object' && n.meta !== null ? n.meta : {};
      if (n.attributes.node_type === 'input') n.attributes.disabled = n.attributes.disabled === true;
      return n;
    });
    const messages = Array.isArray(j.messages) ? (structuredClone(j.messages) as UiText[]) : [];
    return new UiContainer(j.action, j.method, nodes, messages);
  }

  /** Appends nodes. */
  add(...nodes: UiNode[]): this {
    this.nodes.push(...nodes);
    return this;
  }

  /**
   * Replaces the first node with the node's name (in any group, as Kratos's `SetNode`, so a
   * strategy can move a trait into its own group; with `sameGroup`, only in the node's group),
   * or appends it.
   */
  upsert(node: UiNode, opts: UpsertOptions = {}): this {
    const name = nodeName(node);
    const i = this.nodes.findIndex((n) => nodeName(n) === name && (!opts.sameGroup || n.group === node.group));
    if (i >= 0) this.nodes[i] = node;
    else this.nodes.push(node);
    return this;
  }

  /** The first node with this name (in `group`, when given). */
  find(name: string, group?: UiNodeGroup): UiNode | undefined {
    return this.nodes.find((n) => nodeName(n) === name && (group === undefined || n.group === group));
  }

  findAll(name: string): UiNode[] {
    return this.nodes.filter((n) => nodeName(n) === name);
  }

  /** Removes every node with one of these names (in `group`, when given). */
  remove(names: string | readonly string[], group?: UiNodeGroup): this {
    const set = new Set(typeof names === 'string' ? [names] : names);
    this.nodes = this.nodes.filter((n) => !(set.has(nodeName(n)) && (group === undefined || n.group === group)));
    return this;
  }

  removeGroups(...groups: UiNodeGroup[]): this {
    this.nodes = this.nodes.filter((n) => !groups.includes(n.group));
    return this;
  }

  /**
   * Sets the value of the first node with this name (an input's value, an image's src, ...).
   * Returns false when there is none, which is not an error (Kratos ignores it too).
   */
  setValue(name: string, value: unknown): boolean {
    const node = this.find(name);
    if (!node) return false;
    const a = node.attributes;
    switch (a.node_type) {
      case 'input':
        if (value === undefined || value === null) delete a.value;
        else a.value = value;
        break;
      case 'img':
      case 'script':
        a.src = typeof value === 'string' ? value : '';
        break;
      case 'a':
        a.href = typeof value === 'string' ? value : '';
        break;
      case 'text':
        if (typeof value === 'object' && value !== null) a.text = value as UiText;
        break;
      case 'div':
        break;
    }
    return true;
  }

  /**
   * Sets node values from a JSON document flattened to dotted names under `prefix`
   * (`{name:{first:'J'}}` with prefix `traits` sets `traits.name.first`), only on nodes that exist,
   * keeping their types. Array items flatten to `name.0`, `name.1` as in Kratos.
   */
  setValuesFromJSON(document: unknown, prefix = ''): this {
    for (const [name, value] of Object.entries(flattenJSON(document))) {
      this.setValue(prefix === '' ? name : `${prefix}.${name}`, value);
    }
    return this;
  }

  /** Clears the value of every node with this name (used to never return a submitted password). */
  unsetValue(name: string): this {
    for (const n of this.nodes) {
      if (n.attributes.node_type === 'input' && n.attributes.name === name) delete n.attributes.value;
    }
    return this;
  }

  /** Clears the values of all input nodes except those named (Kratos `Reset` without the messages). */
  resetValuesExcept(names: readonly string[]): this {
    for (const n of this.nodes) {
      if (n.attributes.node_type === 'input' && !names.includes(n.attributes.name)) delete n.attributes.value;
    }
    return this;
  }

  /** Kratos's `Reset`: clears the form messages, every node's messages, and the values of all but `exclude`. */
  reset(exclude: readonly string[] = []): this {
    this.messages = [];
    for (const n of this.nodes) n.messages = [];
    return this.resetValuesExcept(exclude);
  }

  /** Clears the form messages and the messages of every node not named in `exclude`. */
  resetMessages(exclude: readonly string[] = []): this {
    this.messages = [];
    for (const n of this.nodes) {
      if (!exclude.includes(nodeName(n))) n.messages = [];
    }
    return this;
  }

  /**
   * Adds a message. With no node names (or only blank ones) it is a form message. Otherwise it
   * goes to the first node with each name; for a name no node has, Kratos adds a text input
   * with that name in the default group to carry the message, and so does this.
   */
  addMessage(message: UiText, ...nodeNames: string[]): this {
    if (!nodeNames.some((n) => n.trim() !== '')) {
      this.messages.push(message);
      return this;
    }
    for (const name of nodeNames) {
      const node = this.find(name);
      if (node) {
        node.messages.push(message);
        continue;
      }
      const carrier = inputNode(UiNodeGroup.Default, name, undefined, UiNodeInputType.Text);
      carrier.messages.push(message);
      this.nodes.push(carrier);
    }
    return this;
  }

  /** Sets (replaces or adds) the hidden `csrf_token` input. */
  setCsrf(token: string): this {
    return this.upsert(csrfNode(token));
  }

  /** Sorts the nodes in place; see `loginSortOptions()` and `registrationSortOptions()`. */
  sort(opts: SortNodesOptions): this {
    sortNodes(this.nodes, opts);
    return this;
  }

  /** A deep copy. */
  clone(): UiContainer {
    return new UiContainer(this.action, this.method, this.nodes.map(cloneNode), structuredClone(this.messages));
  }

  /** The wire shape, exactly as Kratos writes it. */
  toJSON(): UiContainerJSON {
    const out: UiContainerJSON = { action: this.action, method: this.method, nodes: this.nodes.map(nodeToJSON) };
    if (this.messages.length > 0) out.messages = structuredClone(this.messages);
    return out;
  }
}

/**
 * Flattens a JSON document to dotted names as Kratos does (`a.b`, array items `a.0`); a dot
 * inside a key is escaped as `\.`.
 */
export function flattenJSON(document: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return out;
  const walk = (value: unknown, path: string[]): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...path, String(i)]));
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k.replaceAll('.', '\\.')]);
    } else {
      out[path.join('.')] = value;
    }
  };
  walk(document, []);
  return out;
}
