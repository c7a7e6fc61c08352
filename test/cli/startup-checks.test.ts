import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { smsTraitsWithoutChannel, smsTraitsWithoutChannelWarning } from '../../src/cli/startup-checks.js';
import { SchemaRegistry } from '../../src/schema/index.js';
import { base64Url, emailSchema, KRATOS } from '../schema/fixtures.js';

/** Phone numbers in nested objects, each reaching SMS another way, beside traits that do not. */
const nestedPhones = {
  $id: 'https://example.com/nested-phones.schema.json',
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        email: { type: 'string', format: 'email', [KRATOS]: { credentials: { password: { identifier: true }, code: { identifier: true, via: 'email' } }, verification: { via: 'email' } } },
        contact: {
          type: 'object',
          properties: {
            mobile: { type: 'string', format: 'tel', [KRATOS]: { verification: { via: 'sms' } } },
            backup: {
              type: 'object',
              properties: {
                phone: { type: 'string', format: 'tel', [KRATOS]: { recovery: { via: 'sms' } } },
                fax: { type: 'string', format: 'tel' },
              },
            },
          },
        },
        login_phone: { type: 'string', format: 'tel', [KRATOS]: { credentials: { code: { identifier: true, via: 'sms' } } } },
      },
    },
  },
};

async function fieldsOf(schemas: Record<string, unknown>) {
  const registry = new SchemaRegistry({ schemas: Object.entries(schemas).map(([id, s]) => ({ id, url: base64Url(s) })), defaultSchemaId: Object.keys(schemas)[0]! });
  return Promise.all(registry.list().map(async ({ id }) => ({ id, fields: (await registry.get(id)).traitFields() })));
}

describe('smsTraitsWithoutChannel', () => {
  test('names every trait sent codes by SMS (verification, recovery, code sign-in), nested objects included', async () => {
    const schemas = await fieldsOf({ customers: nestedPhones, staff: emailSchema });
    assert.deepEqual(smsTraitsWithoutChannel(schemas, false), [
      { schemaId: 'customers', traits: ['traits.contact.mobile', 'traits.contact.backup.phone', 'traits.login_phone'] },
    ]);
  });

  test('nothing when an SMS channel is configured, or when no trait asks for SMS', async () => {
    assert.deepEqual(smsTraitsWithoutChannel(await fieldsOf({ customers: nestedPhones }), true), []);
    assert.deepEqual(smsTraitsWithoutChannel(await fieldsOf({ staff: emailSchema }), false), []);
  });

  test('a code identifier counts only with via sms, and only as an identifier', () => {
    const fields = [
      { name: 'traits.a', extension: { credentials: { code: { identifier: false, via: 'sms' as const } } } },
      { name: 'traits.b', extension: { credentials: { code: { identifier: true, via: 'email' as const } } } },
      { name: 'traits.c', extension: { credentials: { code: { identifier: true, via: 'sms' as const } } } },
      { name: 'traits.d' },
    ];
    assert.deepEqual(smsTraitsWithoutChannel([{ id: 's', fields }], false), [{ schemaId: 's', traits: ['traits.c'] }]);
  });

  test('the warning names each schema and its traits, and says codes are not sent by email instead', () => {
    const text = smsTraitsWithoutChannelWarning([
      { schemaId: 'customers', traits: ['traits.contact.mobile', 'traits.login_phone'] },
      { schemaId: 'staff', traits: ['traits.phone'] },
    ]);
    assert.match(text, /identity schema "customers" \(traits\.contact\.mobile, traits\.login_phone\); identity schema "staff" \(traits\.phone\)/);
    assert.match(text, /cannot be sent until an SMS channel is configured/);
    assert.match(text, /never sent by email instead/);
  });
});
