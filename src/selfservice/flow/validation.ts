import type { UiText } from '../../text/index.js';

/**
 * Thrown by a strategy when a submission is refused with messages for the user rather than an
 * error: the flow is updated with the messages and shown again (400 for JSON clients).
 */
export class FlowValidationError extends Error {
  constructor(
    readonly messages: Array<{ message: UiText; node?: string }>,
    /** Values to show again in the form (never secrets). */
    readonly values: Record<string, unknown> = {},
  ) {
    super(messages.map((m) => m.message.text).join('; '));
    this.name = 'FlowValidationError';
  }
}
