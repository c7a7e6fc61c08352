/**
 * The UI text catalogue: every message a Kratos v1 flow can show, with the numeric id, English text,
 * type and context clients know. Builders are named after their meaning (`errorInvalidCredentials()`).
 */
export { uiText, cloneUiText, type UiText, type UiTextType } from './message.js';
export { TextId, type TextIdName } from './ids.js';
export { textById, allTexts, type TextMeta } from './catalogue.js';
export { RETRY_SUCCESS_TEXT } from './common.js';
export * from './login.js';
export * from './registration.js';
export * from './settings.js';
export * from './recovery.js';
export * from './verification.js';
export * from './node-label.js';
export * from './validation.js';
export * from './system.js';
export {
  goQuote,
  goFloat,
  goSharpV,
  goQuoteAny,
  goFixed,
  goDurationMinutes,
  goTimeString,
  goTimeJSON,
  goUnix,
  goTitleCase,
} from './go-format.js';
