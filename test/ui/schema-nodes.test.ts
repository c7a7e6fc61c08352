import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { DEV_IDENTITY_SCHEMA } from '../../src/config/dev.js';
import {
  identifierLabelFromSchema,
  nodesFromIdentitySchema,
  nodeToJSON,
  schemaKeysInOrder,
  UiNodeGroup,
  type UiInputNode,
} from '../../src/ui/index.js';
import { assertMatchesSchema } from '../testkit/openapi.js';

const KRATOS = 'ory.sh/kratos';
const usernameSchema = JSON.parse(readFileSync(new URL('../fixtures/username.schema.json', import.meta.url), 'utf8'));

/** `name type [required] [autocomplete] [pattern] [label]` per node, for compact comparison. */
function summary(nodes: UiInputNode[]): string[] {
  return nodes.map((n) => {
    const a = n.attributes;
    return [
      a.name,
      a.type,
      a.required ? 'required' : '',
      a.autocomplete ?? '',
      a.pattern ? `/${a.pattern}/` : '',
      n.meta.label ? `${n.meta.label.id}:${n.meta.label.text}` : '',
    ]
      .filter((s) => s !== '')
      .join(' ');
  });
}

function traits(properties: Record<string, unknown>, required: string[] = [], extra: Record<string, unknown> = {}) {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    ...extra,
    properties: { traits: { type: 'object', properties, required } },
  };
}

describe('nodes from an identity schema', () => {
  test('the default dev schema: email and name.first/last, labelled from titles, valid uiNodes', () => {
    const nodes = nodesFromIdentitySchema(DEV_IDENTITY_SCHEMA, { group: UiNodeGroup.Default });
    assert.deepEqual(summary(nodes), [
      'traits.email email required email 1070002:E-Mail',
      'traits.name.first text 1070002:First name',
      'traits.name.last text 1070002:Last name',
    ]);
    assert.deepEqual(nodes[0].meta.label, { id: 1070002, text: 'E-Mail', type: 'info', context: { name: 'traits.email', title: 'E-Mail' } });
    for (const n of nodes) {
      assert.equal(n.group, 'default');
      assert.equal(n.attributes.disabled, false);
      assert.equal('value' in n.attributes, false);
      assertMatchesSchema('uiNode', nodeToJSON(n));
    }
  });

  test('username + emails: an array of strings is one text input; pattern is copied; no title, no label', () => {
    const nodes = nodesFromIdentitySchema(usernameSchema, { group: UiNodeGroup.Password });
    assert.deepEqual(summary(nodes), ['traits.emails text', 'traits.username text required /^[a-zA-Z0-9_.-]+$/']);
    assert.deepEqual(nodes[1].meta, {});
  });

  test('nested objects flatten to dotted names; required comes from each parent', () => {
    const schema = traits(
      {
        address: {
          type: 'object',
          required: ['street'],
          properties: {
            street: { type: 'string', title: 'Street' },
            geo: { type: 'object', required: ['lat'], properties: { lat: { type: 'number' }, lng: { type: 'number' } } },
          },
        },
        nick: { type: 'string' },
      },
      ['address'],
    );
    assert.deepEqual(summary(nodesFromIdentitySchema(schema, { group: UiNodeGroup.Profile })), [
      'traits.address.geo.lat number required',
      'traits.address.geo.lng number',
      'traits.address.street text required 1070002:Street',
      'traits.nick text',
    ]);
    assert.deepEqual(summary(nodesFromIdentitySchema(schema, { group: UiNodeGroup.Profile, requiredFromSchema: false }))[0], 'traits.address.geo.lat number');
  });

  test('input types and autocomplete from JSON types and formats', () => {
    const schema = traits({
      s: { type: 'string' },
      e: { type: 'string', format: 'email' },
      t: { type: 'string', format: 'tel' },
      d: { type: 'string', format: 'date' },
      dt: { type: 'string', format: 'date-time' },
      u: { type: 'string', format: 'uri' },
      r: { type: 'string', format: 'regex' },
      h: { type: 'string', format: 'hostname' },
      i: { type: 'integer' },
      n: { type: 'number' },
      b: { type: 'boolean' },
      c: { const: 'fixed' },
      cn: { const: 3 },
      nullable: { type: ['string', 'null'] },
      defaulted: { type: ['string', 'null'], default: 'x' },
      nothing: { type: 'null' },
      list: { type: 'array', items: { type: 'integer' } },
      untyped_list: { type: 'array' },
      objects: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } },
      free: { type: 'object' },
    });
    assert.deepEqual(summary(nodesFromIdentitySchema(schema, { group: UiNodeGroup.Default })), [
      'traits.b checkbox',
      'traits.c text',
      'traits.cn number',
      'traits.d date',
      'traits.defaulted text',
      'traits.dt datetime-local',
      'traits.e email email',
      'traits.h text',
      'traits.i number',
      'traits.list text',
      'traits.n number',
      'traits.r text',
      'traits.s text',
      'traits.t tel tel',
      'traits.u url url',
      'traits.untyped_list text',
    ]);
  });

  test('$ref is followed; in draft-07 the referencing property is the parent, so required is not carried', () => {
    const schema = traits(
      {
        email: { $ref: '#/definitions/email', title: 'ignored in draft-07' },
        home: { $ref: '#/definitions/address' },
      },
      ['email'],
      {
        definitions: {
          email: { type: 'string', format: 'email', title: 'Email address' },
          address: { type: 'object', required: ['city'], properties: { city: { type: 'string', title: 'City' } } },
        },
      },
    );
    assert.deepEqual(summary(nodesFromIdentitySchema(schema, { group: UiNodeGroup.Default })), [
      'traits.email email email 1070002:Email address',
      'traits.home.city text required 1070002:City',
    ]);
  });

  test('a path defined twice: the later definition wins unless the earlier one has a default', () => {
    const schema = (withDefault: boolean) => ({
      type: 'object',
      properties: {
        traits: {
          type: 'object',
          allOf: [{ properties: { a: { type: 'string', title: 'From allOf', ...(withDefault ? { default: 'x' } : {}) } } }],
          properties: { a: { type: 'string', title: 'From properties' } },
        },
      },
    });
    assert.deepEqual(summary(nodesFromIdentitySchema(schema(false), { group: UiNodeGroup.Default })), ['traits.a text 1070002:From properties']);
    assert.deepEqual(summary(nodesFromIdentitySchema(schema(true), { group: UiNodeGroup.Default })), ['traits.a text 1070002:From allOf']);
  });

  test('2020-12 schemas keep $ref siblings (a typed sibling makes its own path)', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $defs: { flag: { title: 'Flag' } },
      type: 'object',
      properties: { traits: { type: 'object', required: ['f'], properties: { f: { $ref: '#/$defs/flag', type: 'boolean' } } } },
    };
    assert.deepEqual(summary(nodesFromIdentitySchema(schema, { group: UiNodeGroup.Default })), ['traits.f checkbox required']);
  });

  test('a circular $ref stops at the cycle instead of looping', () => {
    const schema = traits({ person: { $ref: '#/definitions/person' } }, [], {
      definitions: { person: { type: 'object', properties: { name: { type: 'string' }, parent: { $ref: '#/definitions/person' } } } },
    });
    assert.deepEqual(summary(nodesFromIdentitySchema(schema, { group: UiNodeGroup.Default })), ['traits.person.name text']);
  });

  test('values fill the matching trait inputs, prefix is put in front of every name', () => {
    const nodes = nodesFromIdentitySchema(DEV_IDENTITY_SCHEMA, {
      group: UiNodeGroup.Default,
      values: { email: 'ada@example.com', name: { first: 'Ada' }, extra: 'x' },
    });
    assert.deepEqual(nodes.map((n) => n.attributes.value), ['ada@example.com', 'Ada', undefined]);
    const prefixed = nodesFromIdentitySchema(DEV_IDENTITY_SCHEMA, { group: UiNodeGroup.Default, prefix: 'p', values: { email: 'e@x.example' } });
    assert.deepEqual(prefixed.map((n) => n.attributes.name), ['p.traits.email', 'p.traits.name.first', 'p.traits.name.last']);
    assert.equal(prefixed[0].attributes.value, 'e@x.example');
    assert.deepEqual(prefixed[0].meta.label?.context, { name: 'p.traits.email', title: 'E-Mail' });
  });

  test('schemaKeysInOrder lists leaves in document order without following $ref', () => {
    assert.deepEqual(schemaKeysInOrder(DEV_IDENTITY_SCHEMA), ['traits.email', 'traits.name.first', 'traits.name.last']);
    assert.deepEqual(schemaKeysInOrder(usernameSchema), ['traits.username', 'traits.emails']);
    assert.deepEqual(schemaKeysInOrder(traits({ 'a.b': { type: 'string' }, r: { $ref: '#/definitions/x' } })), ['traits.a\\.b', 'traits.r']);
  });
});

describe('the login identifier label', () => {
  test('one titled identifier trait gives its title (1070002); otherwise "ID" (1070004)', () => {
    assert.deepEqual(identifierLabelFromSchema(DEV_IDENTITY_SCHEMA), {
      id: 1070002,
      text: 'E-Mail',
      type: 'info',
      context: { name: 'traits.email', title: 'E-Mail' },
    });
    assert.deepEqual(identifierLabelFromSchema(usernameSchema), { id: 1070004, text: 'ID', type: 'info' });
    const two = traits({
      email: { type: 'string', title: 'Email', [KRATOS]: { credentials: { password: { identifier: true } } } },
      phone: { type: 'string', title: 'Phone', [KRATOS]: { credentials: { code: { identifier: true } } } },
    });
    assert.equal(identifierLabelFromSchema(two).id, 1070004);
    const oneTitled = traits({
      email: { type: 'string', title: 'Email', [KRATOS]: { credentials: { password: { identifier: true } } } },
      username: { type: 'string', [KRATOS]: { credentials: { password: { identifier: true } } } },
      name: { type: 'string', title: 'Name', [KRATOS]: { verification: { via: 'email' } } },
    });
    assert.equal(identifierLabelFromSchema(oneTitled).text, 'Email');
    const inItems = traits({
      emails: { type: 'array', items: { type: 'string', title: 'Emails', [KRATOS]: { credentials: { webauthn: { identifier: true } } } } },
    });
    assert.equal(identifierLabelFromSchema(inItems).text, 'Emails');
  });
});
