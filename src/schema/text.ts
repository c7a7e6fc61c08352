/**
 * The validation messages identity-schema checks produce (ui-text-messages ids 4000001..4000030).
 * The builders live in the UI text catalogue (src/text/); this module re-exports the ones schema
 * validation uses, under the names the schema code has always used.
 */
import { TextId } from '../text/ids.js';

export type { UiText, UiTextType } from '../text/message.js';
export {
  validationGeneric,
  validationRequired,
  validationMinLength,
  validationMaxLength,
  validationInvalidFormat,
  validationMinimum,
  validationExclusiveMinimum,
  validationMaximum,
  validationExclusiveMaximum,
  validationMultipleOf,
  validationMaxItems,
  validationMinItems,
  validationUniqueItems,
  validationWrongType,
  validationConst,
  validationConstGeneric,
} from '../text/validation.js';

export const ValidationTextId = {
  Generic: TextId.ErrorValidationGeneric,
  Required: TextId.ErrorValidationRequired,
  MinLength: TextId.ErrorValidationMinLength,
  InvalidFormat: TextId.ErrorValidationInvalidFormat,
  MaxLength: TextId.ErrorValidationMaxLength,
  Minimum: TextId.ErrorValidationMinimum,
  ExclusiveMinimum: TextId.ErrorValidationExclusiveMinimum,
  Maximum: TextId.ErrorValidationMaximum,
  ExclusiveMaximum: TextId.ErrorValidationExclusiveMaximum,
  MultipleOf: TextId.ErrorValidationMultipleOf,
  MaxItems: TextId.ErrorValidationMaxItems,
  MinItems: TextId.ErrorValidationMinItems,
  UniqueItems: TextId.ErrorValidationUniqueItems,
  WrongType: TextId.ErrorValidationWrongType,
  Const: TextId.ErrorValidationConst,
  ConstGeneric: TextId.ErrorValidationConstGeneric,
} as const;
