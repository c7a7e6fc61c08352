import { nodeToJSON, type UiNode } from '../../ui/node.js';

/** The wire shape of a flow's `ui` container, as stored with the flow. */
export interface UiTextJson {
  id: number;
  text: string;
  type: 'info' | 'error' | 'success';
  context?: Record<string, unknown>;
}

export interface UiNodeJson {
  type: 'input' | 'text' | 'img' | 'a' | 'script' | 'div';
  group: string;
  attributes: Record<string, unknown> & { node_type: string; name?: string; value?: unknown };
  messages: UiTextJson[];
  meta: { label?: UiTextJson };
}

export interface UiContainerJson {
  action: string;
  method: string;
  nodes: UiNodeJson[];
  messages?: UiTextJson[];
}

/** Operations on a stored container; flows keep their UI as plain wire JSON. */
export const ui = {
  nodeName(n: UiNodeJson): string | undefined {
    return typeof n.attributes.name === 'string' ? n.attributes.name : undefined;
  },
  find(c: UiContainerJson, name: string): UiNodeJson | undefined {
    return c.nodes.find((n) => ui.nodeName(n) === name);
  },
  setValue(c: UiContainerJson, name: string, value: unknown): void {
    const n = ui.find(c, name);
    if (n && n.type === 'input') n.attributes.value = value;
  },
  /** Clears every message, on nodes and on the container, before a new round of validation. */
  resetMessages(c: UiContainerJson): void {
    c.messages = [];
    for (const n of c.nodes) n.messages = [];
  },
  /** Attaches a message to the named node when it exists, else to the container. */
  addMessage(c: UiContainerJson, message: UiTextJson, nodeName?: string): void {
    const n = nodeName ? ui.find(c, nodeName) : undefined;
    if (n) n.messages.push(message);
    else (c.messages ??= []).push(message);
  },
  /** Secrets typed by the user are never echoed back in a flow. */
  clearSecrets(c: UiContainerJson): void {
    for (const n of c.nodes) if (n.type === 'input' && n.attributes.type === 'password') delete n.attributes.value;
  },
  /** Copies submitted values into the inputs they belong to (dotted names into nested objects). */
  fillValues(c: UiContainerJson, values: Record<string, unknown>, prefix = ''): void {
    for (const [k, v] of Object.entries(values)) {
      const name = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === 'object' && !Array.isArray(v)) ui.fillValues(c, v as Record<string, unknown>, name);
      else ui.setValue(c, name, v);
    }
  },
};

/** A UI node as a flow stores it. */
export const toJson = (n: UiNode): UiNodeJson => nodeToJSON(n) as unknown as UiNodeJson;

/**
 * Nodes of several methods merged as Kratos upserts them: a later input with the name of an earlier
 * one takes its place (the `identifier` password and code sign-in both ask for; the traits that
 * password and code sign-up both ask for, which thereby move to the shared default group), so a
 * form never posts one field twice. Buttons are appended: each names its own method.
 */
export function upsertNodes(nodes: UiNodeJson[]): UiNodeJson[] {
  const out: UiNodeJson[] = [];
  const at = new Map<string, number>();
  for (const n of nodes) {
    const name = ui.nodeName(n);
    if (n.type !== 'input' || name === undefined || n.attributes.type === 'submit') {
      out.push(n);
      continue;
    }
    const i = at.get(name);
    if (i === undefined) {
      at.set(name, out.length);
      out.push(n);
    } else {
      out[i] = n;
    }
  }
  return out;
}
