import type { MessageType, TemplateData, TemplateType } from '../message.js';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface RenderedSms {
  body: string;
}

/**
 * Turns a template type and its data into what a channel sends. Implementations resolve overrides
 * (config URIs, then `template_override_path`, then the built-in set) and cache parsed templates.
 * Throws TemplateError when a template is missing or fails to render.
 */
export interface TemplateRenderer {
  renderEmail(type: TemplateType, data: TemplateData): Promise<RenderedEmail>;
  renderSms(type: TemplateType, data: TemplateData): Promise<RenderedSms>;
}

export class TemplateError extends Error {
  /** The template type being rendered, when the error concerns one. */
  readonly templateType?: TemplateType;
  /** The template file (e.g. `recovery/valid/email.body.gotmpl`) or configured URI at fault. */
  readonly file?: string;

  constructor(message: string, options?: { cause?: unknown; templateType?: TemplateType; file?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TemplateError';
    if (options?.templateType !== undefined) this.templateType = options.templateType;
    if (options?.file !== undefined) this.file = options.file;
  }
}

export type { MessageType, TemplateData, TemplateType };
