import type { UiText } from '../text/message.js';

/**
 * The translation hook: message id → template. `{key}` in a template is replaced by the message's
 * `context[key]`. Ids without a template show the text the API sent, which is the catalogue's
 * English text, so an empty map means English.
 */
export type Translations = ReadonlyMap<number, string>;

export const ENGLISH: Translations = new Map();

export function messageText(message: UiText | undefined, translations: Translations = ENGLISH): string {
  if (!message) return '';
  const template = translations.get(message.id);
  if (template === undefined) return message.text ?? '';
  const ctx = message.context ?? {};
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const v = ctx[key];
    if (v === undefined || v === null) return whole;
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

/** The UI's own texts (headings, links); the same hook can replace them through `ui:` keys. */
export const UI_TEXT = {
  login: 'Sign in',
  loginRefresh: 'Confirm it is you',
  registration: 'Create an account',
  settings: 'Account settings',
  recovery: 'Recover your account',
  verification: 'Verify your email address',
  error: 'Something went wrong',
  home: 'Your account',
  mailbox: 'Dev mailbox',
} as const;
