// Where each template type's files live (built-in set and `template_override_path` use the same
// layout as Kratos) and which `courier.templates` config key overrides each file.

import type { CourierConfig } from '../../config/types.js';
import type { TemplateType } from '../message.js';

export type TemplateFileName = 'email.subject.gotmpl' | 'email.body.gotmpl' | 'email.body.plaintext.gotmpl' | 'sms.body.gotmpl';

/** The config group under `courier.templates` (Kratos's key names). */
export type TemplateConfigGroup = 'recovery' | 'recovery_code' | 'verification' | 'verification_code' | 'login_code' | 'registration_code' | 'verifiable_address_changed';

export interface TemplateLayout {
  /** Directory relative to a template root, e.g. `recovery_code/valid` or `otp`. */
  dir: string;
  /** `courier.templates.<group>.<variant>` for types that config can override. */
  config?: { group: TemplateConfigGroup; variant?: 'valid' | 'invalid' };
  /** Whether the type has an email (subject, html and plaintext body) and an SMS template. */
  email: boolean;
  sms: boolean;
}

function flowType(group: TemplateConfigGroup, variant: 'valid' | 'invalid', sms: boolean): TemplateLayout {
  return { dir: `${group}/${variant}`, config: { group, variant }, email: true, sms };
}

/** Template type → files, as Kratos lays them out (`stub` lives in `test_stub/`, `otp` is SMS only). */
export const TEMPLATE_LAYOUTS: Readonly<Record<TemplateType, TemplateLayout>> = {
  recovery_invalid: flowType('recovery', 'invalid', false),
  recovery_valid: flowType('recovery', 'valid', false),
  recovery_code_invalid: flowType('recovery_code', 'invalid', false),
  recovery_code_valid: flowType('recovery_code', 'valid', true),
  verification_invalid: flowType('verification', 'invalid', false),
  verification_valid: flowType('verification', 'valid', false),
  verification_code_invalid: flowType('verification_code', 'invalid', false),
  verification_code_valid: flowType('verification_code', 'valid', true),
  login_code_valid: flowType('login_code', 'valid', true),
  registration_code_valid: flowType('registration_code', 'valid', true),
  // A notice rather than a flow's message: no valid/invalid variants.
  verifiable_address_changed: { dir: 'verifiable_address_changed', config: { group: 'verifiable_address_changed' }, email: true, sms: true },
  otp: { dir: 'otp', email: false, sms: true },
  stub: { dir: 'test_stub', email: true, sms: true },
};

/** Whether a file is rendered with html/template (contextual escaping) rather than text/template. */
export function isHtmlFile(file: TemplateFileName): boolean {
  return file === 'email.body.gotmpl';
}

/** The dotted config key that overrides `file` of a type, e.g. `courier.templates.recovery.valid.email.body.html`. */
export function configKeyFor(layout: TemplateLayout, file: TemplateFileName): string | undefined {
  if (!layout.config) return undefined;
  const base = `courier.templates.${layout.config.group}${layout.config.variant ? `.${layout.config.variant}` : ''}`;
  switch (file) {
    case 'email.subject.gotmpl':
      return `${base}.email.subject`;
    case 'email.body.gotmpl':
      return `${base}.email.body.html`;
    case 'email.body.plaintext.gotmpl':
      return `${base}.email.body.plaintext`;
    case 'sms.body.gotmpl':
      return `${base}.sms.body.plaintext`;
  }
}

/** The URI configured for `file` of a type, if any (empty strings count as unset, as in Kratos). */
export function configuredUri(templates: CourierConfig['templates'], layout: TemplateLayout, file: TemplateFileName): string | undefined {
  if (!templates || !layout.config) return undefined;
  const group = templates[layout.config.group] as
    | ({ valid?: VariantUris; invalid?: VariantUris } & VariantUris)
    | undefined;
  const variant: VariantUris | undefined = layout.config.variant ? group?.[layout.config.variant] : group;
  if (!variant) return undefined;
  let uri: string | undefined;
  switch (file) {
    case 'email.subject.gotmpl':
      uri = variant.email?.subject;
      break;
    case 'email.body.gotmpl':
      uri = variant.email?.body?.html;
      break;
    case 'email.body.plaintext.gotmpl':
      uri = variant.email?.body?.plaintext;
      break;
    case 'sms.body.gotmpl':
      uri = variant.sms?.body?.plaintext;
      break;
  }
  return uri === undefined || uri === '' ? undefined : uri;
}

interface VariantUris {
  email?: EmailUris;
  sms?: { body?: { plaintext?: string } };
}

interface EmailUris {
  subject?: string;
  body?: { plaintext?: string; html?: string };
}
