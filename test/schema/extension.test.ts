import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { SchemaRegistry, type IdentitySchema, type TraitsValidation } from '../../src/schema/index.js';
import { base64Url, emailSchema, KRATOS, multiIdentifierSchema, nestedSchema, phoneSchema, schema2020 } from './fixtures.js';

const schemas: Record<string, IdentitySchema> = {};

const traitsSchema = (properties: Record<string, unknown>) => ({ type: 'object', properties: { traits: { type: 'object', properties } } });

before(async () => {
  const defs: Record<string, unknown> = {
    email: emailSchema,
    multi: multiIdentifierSchema,
    nested: nestedSchema,
    phone: phoneSchema,
    v2020: schema2020,
    // Several traits feeding the same credential, and the passkey / totp naming keywords.
    contacts: traitsSchema({
      email: { type: 'string', format: 'email', [KRATOS]: { credentials: { password: { identifier: true }, code: { identifier: true, via: 'email' } }, verification: { via: 'email' }, recovery: { via: 'email' } } },
      backup_email: { type: 'string', format: 'email', [KRATOS]: { credentials: { code: { identifier: true, via: 'email' } }, verification: { via: 'email' }, recovery: { via: 'email' } } },
      phone: { type: 'string', format: 'tel', [KRATOS]: { credentials: { code: { identifier: true, via: 'sms' } }, verification: { via: 'sms' } } },
      display: { type: 'string', [KRATOS]: { credentials: { passkey: { display_name: true }, totp: { account_name: true } } } },
    }),
    // Verification of an email trait without a format: Kratos checks the address itself.
    noFormat: traitsSchema({ email: { type: 'string', [KRATOS]: { verification: { via: 'email' } } } }),
    // Format no-validate opts out of checks; the value is only trimmed.
    noValidate: traitsSchema({ handle: { type: 'string', format: 'no-validate', [KRATOS]: { verification: { via: 'sms' } } } }),
    // A code identifier must say which channel delivers the code.
    codeNoVia: traitsSchema({ email: { type: 'string', format: 'email', [KRATOS]: { credentials: { code: { identifier: true } } } } }),
    // Recovery by email checks the address even where the schema does not.
    recoveryLoose: traitsSchema({ email: { type: 'string', [KRATOS]: { recovery: { via: 'email' } } } }),
  };
  const registry = new SchemaRegistry({ schemas: Object.entries(defs).map(([id, s]) => ({ id, url: base64Url(s) })), defaultSchemaId: 'email' });
  for (const id of Object.keys(defs)) schemas[id] = await registry.get(id);
});

function ok(result: TraitsValidation) {
  if (!result.ok) assert.fail(`expected valid traits, got ${JSON.stringify(result.errors)}`);
  return result;
}

describe('ory.sh/kratos extension', () => {
  test('email schema: password, webauthn and code identifiers, addresses, totp account name', () => {
    const r = ok(schemas['email'].validateTraits({ email: 'Jane.Doe@Example.COM', name: { first: 'Jane' } }));
    assert.deepEqual(r.credentials, {
      password: { identifiers: ['jane.doe@example.com'] },
      code: { identifiers: [{ value: 'jane.doe@example.com', via: 'email' }] },
      webauthn: { identifiers: ['jane.doe@example.com'] },
      // Without a display_name trait the passkey is named after the WebAuthn identifier.
      passkey: { displayName: 'jane.doe@example.com' },
      totp: { accountName: 'Jane.Doe@Example.COM' },
    });
    assert.deepEqual(r.verifiableAddresses, [{ value: 'jane.doe@example.com', via: 'email' }]);
    assert.deepEqual(r.recoveryAddresses, [{ value: 'jane.doe@example.com', via: 'email' }]);
  });

  test('multi-identifier schema: email and username both log in; username keeps no case', () => {
    const r = ok(schemas['multi'].validateTraits({ email: 'JANE@example.com', username: 'Jane_Doe' }));
    assert.deepEqual(r.credentials.password.identifiers, ['jane@example.com', 'jane_doe']);
    assert.deepEqual(r.credentials.passkey, { displayName: 'Jane_Doe' });
    assert.deepEqual(r.credentials.code.identifiers, []);
    assert.deepEqual(r.credentials.webauthn.identifiers, []);
    assert.deepEqual(r.credentials.totp, {});
    assert.deepEqual(r.verifiableAddresses, [{ value: 'jane@example.com', via: 'email' }]);
  });

  test('password identifiers are de-duplicated after lower-casing', () => {
    const r = ok(schemas['multi'].validateTraits({ email: 'jane@example.com', username: 'JANE_X' }));
    assert.deepEqual(r.credentials.password.identifiers, ['jane@example.com', 'jane_x']);
    const same = ok(schemas['contacts'].validateTraits({ email: 'A@Example.com', backup_email: 'a@example.COM' }));
    assert.deepEqual(same.credentials.password.identifiers, ['a@example.com']);
    assert.deepEqual(same.credentials.code.identifiers, [{ value: 'a@example.com', via: 'email' }]);
    assert.deepEqual(same.verifiableAddresses, [{ value: 'a@example.com', via: 'email' }]);
    assert.deepEqual(same.recoveryAddresses, [{ value: 'a@example.com', via: 'email' }]);
  });

  test('phone schema: numbers become E.164 for code login, verification and recovery', () => {
    const r = ok(schemas['phone'].validateTraits({ phone: '+49 176 671-11-638' }));
    assert.deepEqual(r.credentials.code.identifiers, [{ value: '+4917667111638', via: 'sms' }]);
    // Password identifiers keep the text as typed (lower-cased), as Kratos does.
    assert.deepEqual(r.credentials.password.identifiers, ['+49 176 671-11-638']);
    assert.deepEqual(r.verifiableAddresses, [{ value: '+4917667111638', via: 'sms' }]);
    assert.deepEqual(r.recoveryAddresses, [{ value: '+4917667111638', via: 'sms' }]);
  });

  test('code identifiers are sorted by address, then channel', () => {
    const r = ok(schemas['contacts'].validateTraits({ email: 'zed@example.com', backup_email: 'amy@example.com', phone: '+14155550132', display: 'Zed' }));
    assert.deepEqual(r.credentials.code.identifiers, [
      { value: '+14155550132', via: 'sms' },
      { value: 'amy@example.com', via: 'email' },
      { value: 'zed@example.com', via: 'email' },
    ]);
    // Addresses keep the order of the schema's traits.
    assert.deepEqual(r.verifiableAddresses, [
      { value: 'zed@example.com', via: 'email' },
      { value: 'amy@example.com', via: 'email' },
      { value: '+14155550132', via: 'sms' },
    ]);
    assert.deepEqual(r.recoveryAddresses, [
      { value: 'zed@example.com', via: 'email' },
      { value: 'amy@example.com', via: 'email' },
    ]);
    assert.deepEqual(r.credentials.passkey, { displayName: 'Zed' });
    assert.deepEqual(r.credentials.totp, { accountName: 'Zed' });
  });

  test('nested objects, arrays and $ref carry the extension', () => {
    const r = ok(schemas['nested'].validateTraits({
      profile: { name: { first: 'Jo' }, primary_email: 'Jo@Example.com' },
      emails: ['Work@Example.com', 'home@example.com', 'work@example.com'],
    }));
    assert.deepEqual(r.credentials.password.identifiers, ['jo@example.com']);
    assert.deepEqual(r.credentials.code.identifiers, [
      { value: 'home@example.com', via: 'email' },
      { value: 'work@example.com', via: 'email' },
    ]);
    assert.deepEqual(r.verifiableAddresses, [
      { value: 'work@example.com', via: 'email' },
      { value: 'home@example.com', via: 'email' },
    ]);
    assert.deepEqual(r.recoveryAddresses, r.verifiableAddresses);
  });

  test('2020-12 schema: the extension works beside $ref', () => {
    const r = ok(schemas['v2020'].validateTraits({ email: 'New@Example.com' }));
    assert.deepEqual(r.credentials.password.identifiers, ['new@example.com']);
    assert.deepEqual(r.verifiableAddresses, [{ value: 'new@example.com', via: 'email' }]);
  });

  test('verification by email without a format checks and normalises the address', () => {
    const r = ok(schemas['noFormat'].validateTraits({ email: 'Mixed@Example.com' }));
    assert.deepEqual(r.verifiableAddresses, [{ value: 'mixed@example.com', via: 'email' }]);
    const bad = schemas['noFormat'].validateTraits({ email: 'nope' });
    assert.deepEqual(!bad.ok && bad.errors.map((e) => [e.pointer, e.message.id, e.message.text]), [['#/traits/email', 4000001, '"nope" is not valid "email"']]);
  });

  test('format no-validate keeps the value as given, trimmed', () => {
    const r = ok(schemas['noValidate'].validateTraits({ handle: '  Some Handle ' }));
    assert.deepEqual(r.verifiableAddresses, [{ value: 'Some Handle', via: 'sms' }]);
  });

  test('a code identifier without a channel is an error', () => {
    const r = schemas['codeNoVia'].validateTraits({ email: 'a@example.com' });
    assert.deepEqual(!r.ok && r.errors.map((e) => [e.pointer, e.message.id, e.message.text]), [['#/traits/email', 4000001, 'channel type "" must be one of email, sms']]);
  });

  test('recovery by email rejects a value that is not an address', () => {
    const r = schemas['recoveryLoose'].validateTraits({ email: 'jane' });
    assert.deepEqual(!r.ok && r.errors.map((e) => [e.pointer, e.message.text]), [['#/traits/email', '"jane" is not valid "email"']]);
    assert.deepEqual(ok(schemas['recoveryLoose'].validateTraits({ email: 'Jane@Example.com' })).recoveryAddresses, [{ value: 'jane@example.com', via: 'email' }]);
    // Surrounding blanks are not part of an address: stricter than Kratos, which lets leading ones through.
    assert.equal(schemas['recoveryLoose'].validateTraits({ email: ' jane@example.com' }).ok, false);
  });

  test('traits without extension values derive nothing', () => {
    const r = ok(schemas['contacts'].validateTraits({}));
    assert.deepEqual(r, {
      ok: true,
      credentials: { password: { identifiers: [] }, code: { identifiers: [] }, webauthn: { identifiers: [] }, passkey: {}, totp: {} },
      verifiableAddresses: [],
      recoveryAddresses: [],
    });
  });

  test('one compiled schema validates many documents independently', () => {
    const a = ok(schemas['email'].validateTraits({ email: 'a@example.com' }));
    assert.equal(schemas['email'].validateTraits({ email: 'bad' }).ok, false);
    const b = ok(schemas['email'].validateTraits({ email: 'b@example.com' }));
    assert.deepEqual(a.credentials.password.identifiers, ['a@example.com']);
    assert.deepEqual(b.credentials.password.identifiers, ['b@example.com']);
  });
});
