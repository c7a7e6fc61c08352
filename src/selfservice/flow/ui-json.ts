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
