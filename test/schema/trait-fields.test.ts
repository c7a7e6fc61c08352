import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SchemaRegistry } from '../../src/schema/index.js';
import { base64Url, emailSchema, KRATOS, multiIdentifierSchema, nestedSchema, schema2020 } from './fixtures.js';

async function fieldsOf(schema: unknown) {
  const registry = new SchemaRegistry({ schemas: [{ id: 's', url: base64Url(schema) }], defaultSchemaId: 's' });
  return (await registry.get('s')).traitFields();
}

describe('traitFields', () => {
  test('lists trait paths in schema order with their form attributes', async () => {
    const fields = await fieldsOf(emailSchema);
    assert.deepEqual(fields.map((f) => [f.name, f.typeHint, f.required]), [
      ['traits.email', 'string', true],
      ['traits.name', 'json', false],
      ['traits.name.first', 'string', false],
      ['traits.name.last', 'string', false],
    ]);
    assert.deepEqual(fields[0], {
      name: 'traits.email',
      typeHint: 'string',
      required: true,
      format: 'email',
      title: 'E-Mail',
      minLength: 3,
      maxLength: 320,
      extension: emailSchema.properties.traits.properties.email[KRATOS],
    });
  });

  test('numbers, enums, consts and arrays', async () => {
    const fields = await fieldsOf(multiIdentifierSchema);
    const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
    assert.deepEqual(Object.keys(byName), ['traits.email', 'traits.username', 'traits.plan', 'traits.tier', 'traits.age', 'traits.score', 'traits.tags', 'traits.website', 'traits.birthday']);
    assert.equal(byName['traits.username'].pattern, '^[a-zA-Z0-9_]+$');
    assert.deepEqual(byName['traits.plan'].enum, ['free', 'pro']);
    assert.equal(byName['traits.tier'].typeHint, 'string');
    assert.equal(byName['traits.tier'].const, 'gold');
    assert.deepEqual([byName['traits.age'].typeHint, byName['traits.age'].minimum, byName['traits.age'].maximum], ['integer', 13, 130]);
    assert.equal(byName['traits.score'].typeHint, 'number');
    assert.equal(byName['traits.tags'].typeHint, 'string[]');
  });

  test('follows local $refs and marks required per parent object', async () => {
    const fields = await fieldsOf(nestedSchema);
    assert.deepEqual(fields.map((f) => [f.name, f.typeHint, f.required]), [
      ['traits.profile', 'json', true],
      ['traits.profile.name', 'json', true],
      ['traits.profile.name.first', 'string', true],
      ['traits.profile.name.last', 'string', false],
      ['traits.profile.primary_email', 'string', true],
      ['traits.emails', 'string[]', false],
    ]);
  });

  test('2020-12: a $ref beside the extension keeps both', async () => {
    const [email] = await fieldsOf(schema2020);
    assert.equal(email.name, 'traits.email');
    assert.equal(email.format, 'email');
    assert.deepEqual(email.extension, { credentials: { password: { identifier: true } }, verification: { via: 'email' } });
  });

  test('follows $refs into other files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-fields-'));
    try {
      await writeFile(join(dir, 'common.json'), JSON.stringify({ definitions: { email: { type: 'string', format: 'email', title: 'Email', [KRATOS]: { recovery: { via: 'email' } } } } }));
      await writeFile(join(dir, 'main.json'), JSON.stringify({ properties: { traits: { type: 'object', properties: { email: { $ref: 'common.json#/definitions/email' } } } } }));
      const registry = new SchemaRegistry({ schemas: [{ id: 'm', url: `file://${join(dir, 'main.json')}` }], defaultSchemaId: 'm' });
      assert.deepEqual((await registry.get('m')).traitFields(), [
        { name: 'traits.email', typeHint: 'string', required: false, format: 'email', title: 'Email', extension: { recovery: { via: 'email' } } },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
