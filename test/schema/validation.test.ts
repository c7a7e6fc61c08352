import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { SchemaRegistry, type IdentitySchema, type TraitError } from '../../src/schema/index.js';
import { base64Url, emailSchema, multiIdentifierSchema, nestedSchema, phoneSchema } from './fixtures.js';

let email: IdentitySchema;
let multi: IdentitySchema;
let nested: IdentitySchema;
let phone: IdentitySchema;

before(async () => {
  const registry = new SchemaRegistry({
    schemas: [
      { id: 'email', url: base64Url(emailSchema) },
      { id: 'multi', url: base64Url(multiIdentifierSchema) },
      { id: 'nested', url: base64Url(nestedSchema) },
      { id: 'phone', url: base64Url(phoneSchema) },
    ],
    defaultSchemaId: 'email',
  });
  [email, multi, nested, phone] = await Promise.all(['email', 'multi', 'nested', 'phone'].map((id) => registry.get(id)));
});

function errorsOf(schema: IdentitySchema, traits: unknown): TraitError[] {
  const result = schema.validateTraits(traits);
  assert.equal(result.ok, false, 'expected validation to fail');
  return result.ok ? [] : result.errors;
}

const valid = { email: 'jane@example.com', username: 'jane_doe' };

describe('validateTraits errors', () => {
  test('required: 4000002 on the missing property', () => {
    assert.deepEqual(errorsOf(multi, {}), [
      { pointer: '#/traits/email', nodeName: 'traits.email', message: { id: 4000002, text: 'Property email is missing.', type: 'error', context: { property: 'email' } } },
      { pointer: '#/traits/username', nodeName: 'traits.username', message: { id: 4000002, text: 'Property username is missing.', type: 'error', context: { property: 'username' } } },
    ]);
  });

  test('absent traits count as an empty object', () => {
    assert.deepEqual(errorsOf(email, undefined).map((e) => [e.pointer, e.message.id]), [['#/traits/email', 4000002]]);
  });

  test('traits that are not an object: 4000026 on #/traits', () => {
    for (const [value, actual] of [['x', 'string'], [null, 'null'], [[1], 'array'], [3, 'number']] as const) {
      assert.deepEqual(errorsOf(email, value), [
        { pointer: '#/traits', nodeName: 'traits', message: { id: 4000026, text: `expected object, but got ${actual}`, type: 'error', context: { allowed_types: ['object'], actual_type: actual } } },
      ]);
    }
  });

  test('type: 4000026 only, no follow-up errors for the same value', () => {
    assert.deepEqual(errorsOf(multi, { ...valid, username: 42 }), [
      { pointer: '#/traits/username', nodeName: 'traits.username', message: { id: 4000026, text: 'expected string, but got number', type: 'error', context: { allowed_types: ['string'], actual_type: 'number' } } },
    ]);
    assert.deepEqual(errorsOf(multi, { ...valid, age: 20.5 }).map((e) => e.message), [
      { id: 4000026, text: 'expected integer, but got number', type: 'error', context: { allowed_types: ['integer'], actual_type: 'number' } },
    ]);
    // The email trait has format and extension checks; a wrong type reports the type alone.
    assert.deepEqual(errorsOf(email, { email: ['a@example.com'] }).map((e) => [e.pointer, e.message.id, e.message.text]), [
      ['#/traits/email', 4000026, 'expected string, but got array'],
    ]);
  });

  test('format email: generic 4000001 with the validator reason', () => {
    assert.deepEqual(errorsOf(multi, { ...valid, email: 'not-an-email' }), [
      {
        pointer: '#/traits/email',
        nodeName: 'traits.email',
        message: { id: 4000001, text: '"not-an-email" is not valid "email"', type: 'error', context: { reason: '"not-an-email" is not valid "email"' } },
      },
    ]);
  });

  test('other formats (uri, date, tel) use the same wording', () => {
    assert.deepEqual(errorsOf(multi, { ...valid, website: 'no scheme', birthday: '2020-13-01' }).map((e) => [e.pointer, e.message.id, e.message.text]), [
      ['#/traits/website', 4000001, '"no scheme" is not valid "uri"'],
      ['#/traits/birthday', 4000001, '"2020-13-01" is not valid "date"'],
    ]);
    assert.deepEqual(errorsOf(phone, { phone: '+1 555' }).map((e) => [e.pointer, e.message.id, e.message.text]), [
      ['#/traits/phone', 4000001, '"+1 555" is not valid "tel"'],
    ]);
  });

  test('minLength and maxLength: 4000003 / 4000017 with lengths in characters', () => {
    assert.deepEqual(errorsOf(multi, { ...valid, username: 'jö' }), [
      { pointer: '#/traits/username', nodeName: 'traits.username', message: { id: 4000003, text: 'length must be >= 3, but got 2', type: 'error', context: { min_length: 3, actual_length: 2 } } },
      { pointer: '#/traits/username', nodeName: 'traits.username', message: { id: 4000004, text: 'does not match pattern "^[a-zA-Z0-9_]+$"', type: 'error', context: { pattern: '^[a-zA-Z0-9_]+$' } } },
    ]);
    assert.deepEqual(errorsOf(multi, { ...valid, username: 'a'.repeat(17) }).map((e) => e.message), [
      { id: 4000017, text: 'length must be <= 16, but got 17', type: 'error', context: { max_length: 16, actual_length: 17 } },
    ]);
  });

  test('pattern: 4000004 with the pattern Go-quoted', () => {
    assert.deepEqual(errorsOf(multi, { ...valid, username: 'jane doe' }), [
      { pointer: '#/traits/username', nodeName: 'traits.username', message: { id: 4000004, text: 'does not match pattern "^[a-zA-Z0-9_]+$"', type: 'error', context: { pattern: '^[a-zA-Z0-9_]+$' } } },
    ]);
  });

  test('enum: generic 4000001 listing the allowed values', () => {
    assert.deepEqual(errorsOf(multi, { ...valid, plan: 'gold' }), [
      { pointer: '#/traits/plan', nodeName: 'traits.plan', message: { id: 4000001, text: 'value must be one of "free", "pro"', type: 'error', context: { reason: 'value must be one of "free", "pro"' } } },
    ]);
  });

  test('const: 4000029 with the expected value as Go prints it', () => {
    assert.deepEqual(errorsOf(multi, { ...valid, tier: 'silver' }).map((e) => e.message), [
      { id: 4000029, text: 'must be equal to constant "gold"', type: 'error', context: { expected: '"gold"' } },
    ]);
  });

  test('additionalProperties: one generic message on the object naming every extra key', () => {
    assert.deepEqual(errorsOf(multi, { ...valid, nickname: 'j', favourite: 'x' }), [
      {
        pointer: '#/traits',
        nodeName: 'traits',
        message: { id: 4000001, text: 'additionalProperties "nickname", "favourite" not allowed', type: 'error', context: { reason: 'additionalProperties "nickname", "favourite" not allowed' } },
      },
    ]);
  });

  test('numbers: minimum, maximum, exclusiveMinimum, multipleOf', () => {
    assert.deepEqual(errorsOf(multi, { ...valid, age: 12 }).map((e) => e.message), [
      { id: 4000018, text: 'must be >= 13 but found 12', type: 'error', context: { minimum: 13, actual: 12 } },
    ]);
    assert.deepEqual(errorsOf(multi, { ...valid, age: 1000000 }).map((e) => e.message), [
      { id: 4000020, text: 'must be <= 130 but found 1e+06', type: 'error', context: { maximum: 130, actual: 1000000 } },
    ]);
    assert.deepEqual(errorsOf(multi, { ...valid, score: -0.25 }).map((e) => e.message), [
      { id: 4000019, text: 'must be > 0 but found -0.25', type: 'error', context: { minimum: 0, actual: -0.25 } },
      { id: 4000022, text: '-0.25 not multipleOf 0.5', type: 'error', context: { base: 0.5, actual: -0.25 } },
    ]);
  });

  test('arrays: minItems, maxItems, uniqueItems, item errors', () => {
    assert.deepEqual(errorsOf(multi, { ...valid, tags: [] }).map((e) => [e.pointer, e.message]), [
      ['#/traits/tags', { id: 4000024, text: 'minimum 1 items allowed, but found 0 items', type: 'error', context: { min_items: 1, actual_items: 0 } }],
    ]);
    assert.deepEqual(errorsOf(multi, { ...valid, tags: ['a', 'b', 'a', 'c'] }).map((e) => [e.pointer, e.message]), [
      ['#/traits/tags', { id: 4000023, text: 'maximum 3 items allowed, but found 4 items', type: 'error', context: { max_items: 3, actual_items: 4 } }],
      ['#/traits/tags', { id: 4000025, text: 'items at index 0 and 2 are equal', type: 'error', context: { index_a: 0, index_b: 2 } }],
    ]);
    // Every equal pair is named, as Kratos names them.
    assert.deepEqual(errorsOf(multi, { ...valid, tags: ['x', 'y', 'x', 'x'] }).filter((e) => e.message.id === 4000025).map((e) => e.message.context), [
      { index_a: 0, index_b: 2 },
      { index_a: 0, index_b: 3 },
      { index_a: 2, index_b: 3 },
    ]);
    assert.deepEqual(errorsOf(multi, { ...valid, tags: ['a', 7] }).map((e) => [e.pointer, e.nodeName, e.message.id]), [['#/traits/tags/1', 'traits.tags.1', 4000026]]);
  });

  test('nested objects: pointers and node names follow the path', () => {
    assert.deepEqual(errorsOf(nested, { profile: { name: { last: 'Doe' }, primary_email: 'x' } }).map((e) => [e.pointer, e.nodeName, e.message.id, e.message.text]), [
      ['#/traits/profile/name/first', 'traits.profile.name.first', 4000002, 'Property first is missing.'],
      ['#/traits/profile/primary_email', 'traits.profile.primary_email', 4000001, '"x" is not valid "email"'],
    ]);
    assert.deepEqual(errorsOf(nested, { profile: { name: { first: 'J' }, primary_email: 'j@example.com' }, emails: ['ok@example.com', 'bad'] }).map((e) => [e.nodeName, e.message.text]), [
      ['traits.emails.1', '"bad" is not valid "email"'],
    ]);
    assert.deepEqual(errorsOf(nested, { profile: {} }).map((e) => e.nodeName), ['traits.profile.name', 'traits.profile.primary_email']);
  });

  test('every error is collected in one pass', () => {
    const errors = errorsOf(multi, { email: 'nope', username: 'x', plan: 'gold', age: 'old', extra: 1 });
    assert.deepEqual(errors.map((e) => [e.nodeName, e.message.id]).sort(), [
      ['traits', 4000001],
      ['traits.age', 4000026],
      ['traits.email', 4000001],
      ['traits.plan', 4000001],
      ['traits.username', 4000003],
    ]);
  });

  test('a schema-level error of the extension names the value (verification via sms without format)', async () => {
    const registry = new SchemaRegistry({
      schemas: [{
        id: 'x',
        url: base64Url({ properties: { traits: { type: 'object', properties: { phone: { type: 'string', 'ory.sh/kratos': { verification: { via: 'sms' } } } } } } }),
      }],
      defaultSchemaId: 'x',
    });
    const schema = await registry.get('x');
    assert.deepEqual(errorsOf(schema, { phone: '+4917667111638' }).map((e) => [e.pointer, e.message.id, e.message.text]), [
      ['#/traits/phone', 4000001, 'no format specified. A format is required if verification is enabled. If this was intentional, please set "format" to "no-validate"'],
    ]);
  });

  test('a valid document passes', () => {
    assert.equal(multi.validateTraits({ ...valid, plan: 'pro', tier: 'gold', age: 30, score: 2.5, tags: ['a'], website: 'https://example.com', birthday: '1990-01-31' }).ok, true);
    assert.equal(phone.validateTraits({ phone: '+49 176 67111638' }).ok, true);
  });
});
