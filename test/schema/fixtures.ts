/** Identity schemas the schema tests share. */

export const KRATOS = 'ory.sh/kratos';

/** Email + name, like the default schema `serve --dev` uses. */
export const emailSchema = {
  $id: 'https://schemas.tessera.test/email.schema.json',
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Person',
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        email: {
          type: 'string',
          format: 'email',
          title: 'E-Mail',
          minLength: 3,
          maxLength: 320,
          [KRATOS]: {
            credentials: { password: { identifier: true }, webauthn: { identifier: true }, totp: { account_name: true }, code: { identifier: true, via: 'email' } },
            verification: { via: 'email' },
            recovery: { via: 'email' },
          },
        },
        name: {
          type: 'object',
          properties: {
            first: { type: 'string', title: 'First name' },
            last: { type: 'string', title: 'Last name' },
          },
        },
      },
      required: ['email'],
      additionalProperties: false,
    },
  },
};

/** A phone-only identity: code login by SMS, verification and recovery by SMS. */
export const phoneSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        phone: {
          type: 'string',
          format: 'tel',
          title: 'Phone number',
          [KRATOS]: {
            credentials: { password: { identifier: true }, code: { identifier: true, via: 'sms' } },
            verification: { via: 'sms' },
            recovery: { via: 'sms' },
          },
        },
      },
      required: ['phone'],
    },
  },
};

/** Email and username both log in with a password; extra keywords for the error tests. */
export const multiIdentifierSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        email: {
          type: 'string',
          format: 'email',
          [KRATOS]: { credentials: { password: { identifier: true } }, verification: { via: 'email' }, recovery: { via: 'email' } },
        },
        username: {
          type: 'string',
          minLength: 3,
          maxLength: 16,
          pattern: '^[a-zA-Z0-9_]+$',
          [KRATOS]: { credentials: { password: { identifier: true }, passkey: { display_name: true } } },
        },
        plan: { type: 'string', enum: ['free', 'pro'] },
        tier: { const: 'gold' },
        age: { type: 'integer', minimum: 13, maximum: 130 },
        score: { type: 'number', exclusiveMinimum: 0, multipleOf: 0.5 },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3, uniqueItems: true },
        website: { type: 'string', format: 'uri' },
        birthday: { type: 'string', format: 'date' },
      },
      required: ['email', 'username'],
      additionalProperties: false,
    },
  },
};

/** Traits nested in objects and arrays, with a local `$ref`. */
export const nestedSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  definitions: {
    contactEmail: {
      type: 'string',
      format: 'email',
      [KRATOS]: { credentials: { code: { identifier: true, via: 'email' } }, verification: { via: 'email' }, recovery: { via: 'email' } },
    },
  },
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        profile: {
          type: 'object',
          properties: {
            name: {
              type: 'object',
              properties: { first: { type: 'string', minLength: 1 }, last: { type: 'string' } },
              required: ['first'],
            },
            primary_email: {
              type: 'string',
              format: 'email',
              [KRATOS]: { credentials: { password: { identifier: true } } },
            },
          },
          required: ['name', 'primary_email'],
        },
        emails: { type: 'array', items: { $ref: '#/definitions/contactEmail' } },
      },
      required: ['profile'],
    },
  },
};

/** A JSON Schema 2020-12 identity schema. */
export const schema2020 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $defs: {
    email: { type: 'string', format: 'email' },
  },
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        email: {
          $ref: '#/$defs/email',
          [KRATOS]: { credentials: { password: { identifier: true } }, verification: { via: 'email' } },
        },
        nicknames: { type: 'array', prefixItems: [{ type: 'string' }], items: false },
      },
      required: ['email'],
      unevaluatedProperties: false,
    },
  },
};

export const base64Url = (schema: unknown): string => `base64://${Buffer.from(JSON.stringify(schema)).toString('base64')}`;
