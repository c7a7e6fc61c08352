/**
 * The validation messages identity-schema checks produce, with the numeric ids, texts and context
 * keys clients know from Kratos (ui-text-messages ids 4000001..4000030). Texts are formatted from
 * their context the way Kratos formats them, so a client that matches on text still works.
 */
import { goFloat, goQuote } from './go-format.js';

export type UiTextType = 'info' | 'error' | 'success';

/** One UI message: `{id, text, type, context}` on the wire (`context` omitted when empty). */
export interface UiText {
  id: number;
  text: string;
  type: UiTextType;
  context?: Record<string, unknown>;
}

export const ValidationTextId = {
  Generic: 4000001,
  Required: 4000002,
  MinLength: 4000003,
  InvalidFormat: 4000004,
  MaxLength: 4000017,
  Minimum: 4000018,
  ExclusiveMinimum: 4000019,
  Maximum: 4000020,
  ExclusiveMaximum: 4000021,
  MultipleOf: 4000022,
  MaxItems: 4000023,
  MinItems: 4000024,
  UniqueItems: 4000025,
  WrongType: 4000026,
  Const: 4000029,
  ConstGeneric: 4000030,
} as const;

function error(id: number, text: string, context?: Record<string, unknown>): UiText {
  return context === undefined ? { id, text, type: 'error' } : { id, text, type: 'error', context };
}

/** 4000001: a free-form reason, used for every schema keyword without a dedicated id. */
export const validationGeneric = (reason: string): UiText =>
  error(ValidationTextId.Generic, reason, { reason });

/** 4000002: a required property is absent. */
export const validationRequired = (property: string): UiText =>
  error(ValidationTextId.Required, `Property ${property} is missing.`, { property });

export const validationMinLength = (minLength: number, actualLength: number): UiText =>
  error(ValidationTextId.MinLength, `length must be >= ${minLength}, but got ${actualLength}`, {
    min_length: minLength,
    actual_length: actualLength,
  });

export const validationMaxLength = (maxLength: number, actualLength: number): UiText =>
  error(ValidationTextId.MaxLength, `length must be <= ${maxLength}, but got ${actualLength}`, {
    max_length: maxLength,
    actual_length: actualLength,
  });

/** 4000004: the value does not match the schema's `pattern` (the pattern is Go-quoted in the text). */
export const validationInvalidFormat = (pattern: string): UiText =>
  error(ValidationTextId.InvalidFormat, `does not match pattern ${goQuote(pattern)}`, { pattern });

export const validationMinimum = (minimum: number, actual: number): UiText =>
  error(ValidationTextId.Minimum, `must be >= ${goFloat(minimum)} but found ${goFloat(actual)}`, { minimum, actual });

export const validationExclusiveMinimum = (minimum: number, actual: number): UiText =>
  error(ValidationTextId.ExclusiveMinimum, `must be > ${goFloat(minimum)} but found ${goFloat(actual)}`, { minimum, actual });

export const validationMaximum = (maximum: number, actual: number): UiText =>
  error(ValidationTextId.Maximum, `must be <= ${goFloat(maximum)} but found ${goFloat(actual)}`, { maximum, actual });

export const validationExclusiveMaximum = (maximum: number, actual: number): UiText =>
  error(ValidationTextId.ExclusiveMaximum, `must be < ${goFloat(maximum)} but found ${goFloat(actual)}`, { maximum, actual });

export const validationMultipleOf = (base: number, actual: number): UiText =>
  error(ValidationTextId.MultipleOf, `${goFloat(actual)} not multipleOf ${goFloat(base)}`, { base, actual });

export const validationMaxItems = (maxItems: number, actualItems: number): UiText =>
  error(ValidationTextId.MaxItems, `maximum ${maxItems} items allowed, but found ${actualItems} items`, {
    max_items: maxItems,
    actual_items: actualItems,
  });

export const validationMinItems = (minItems: number, actualItems: number): UiText =>
  error(ValidationTextId.MinItems, `minimum ${minItems} items allowed, but found ${actualItems} items`, {
    min_items: minItems,
    actual_items: actualItems,
  });

export const validationUniqueItems = (indexA: number, indexB: number): UiText =>
  error(ValidationTextId.UniqueItems, `items at index ${indexA} and ${indexB} are equal`, {
    index_a: indexA,
    index_b: indexB,
  });

export const validationWrongType = (allowedTypes: readonly string[], actualType: string): UiText =>
  error(ValidationTextId.WrongType, `expected ${allowedTypes.join(' or ')}, but got ${actualType}`, {
    allowed_types: [...allowedTypes],
    actual_type: actualType,
  });

/** 4000029: `expected` is the constant as Go's `%#v` prints it (strings keep their quotes). */
export const validationConst = (expected: string): UiText =>
  error(ValidationTextId.Const, `must be equal to constant ${expected}`, { expected });

export const validationConstGeneric = (): UiText => error(ValidationTextId.ConstGeneric, 'const failed');
