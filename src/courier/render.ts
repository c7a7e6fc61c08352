import type { MessageType, TemplateData, TemplateType } from './message.js';
import type { Rendering } from './queue.js';
import type { TemplateRenderer } from './templates/renderer.js';

/** Renders a message's template into what its channel sends (an SMS has only a body). */
export async function renderMessage(renderer: TemplateRenderer, type: MessageType, templateType: TemplateType, data: TemplateData): Promise<Rendering> {
  if (type === 'sms') return { subject: '', body: (await renderer.renderSms(templateType, data)).body, html: '' };
  const email = await renderer.renderEmail(templateType, data);
  return { subject: email.subject, body: email.text, html: email.html };
}
