/**
 * A UI message: the `uiText` object flows put in `ui.messages`, node `messages` and labels. Its
 * numeric id and English text are part of the API: clients match on both.
 */

export type UiTextType = 'info' | 'error' | 'success';

/** One UI message: `{id, text, type, context}` on the wire (`context` omitted when empty). */
export interface UiText {
  id: number;
  text: string;
  type: UiTextType;
  context?: Record<string, unknown>;
}

/**
 * Builds a message. The context's keys are put in sorted order, as Go's JSON encoder writes a map,
 * so a serialized message matches Kratos's byte for byte.
 */
export function uiText(id: number, type: UiTextType, text: string, context?: Record<string, unknown>): UiText {
  if (context === undefined) return { id, text, type };
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(context).sort()) sorted[key] = context[key];
  return { id, text, type, context: sorted };
}

export const info = (id: number, text: string, context?: Record<string, unknown>): UiText => uiText(id, 'info', text, context);
export const success = (id: number, text: string, context?: Record<string, unknown>): UiText => uiText(id, 'success', text, context);
export const error = (id: number, text: string, context?: Record<string, unknown>): UiText => uiText(id, 'error', text, context);

/** A deep copy, so a message attached to one node or flow is never shared with another. */
export function cloneUiText(message: UiText): UiText {
  return structuredClone(message);
}
