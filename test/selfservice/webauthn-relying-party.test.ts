import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { relyingParty } from '../../src/selfservice/flow/webauthn/ceremony.js';

describe('WebAuthn relying party from the configuration', () => {
  const pub = new URL('https://auth.example.com/kratos/');

  test('origins: `origins`, else `origin`, else the public URL; web origins lose paths and slashes', () => {
    assert.deepEqual(relyingParty({ id: 'example.com', display_name: 'E', origins: ['https://a.example.com/', 'https://b.example.com:8443/x'] }, pub).origins, ['https://a.example.com', 'https://b.example.com:8443']);
    assert.deepEqual(relyingParty({ id: 'example.com', display_name: 'E', origin: 'https://app.example.com/' }, pub).origins, ['https://app.example.com']);
    assert.deepEqual(relyingParty({ id: 'example.com', display_name: 'E' }, pub).origins, ['https://auth.example.com']);
  });

  test('an Android app origin is kept as written', () => {
    const android = 'android:apk-key-hash:AbCdEf_123';
    assert.deepEqual(relyingParty({ id: 'example.com', display_name: 'E', origins: [android, 'https://example.com'] }, pub).origins, [android, 'https://example.com']);
  });
});
