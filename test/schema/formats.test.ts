import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isEmail, isHostname, isPhoneNumber, toE164 } from '../../src/schema/index.js';

describe('email format', () => {
  test('accepts addresses Kratos accepts', () => {
    for (const v of ['a@example.com', 'first.last+tag@sub.example.co.uk', 'x@localhost', '"quoted local"@example.com', 'üser@example.com', "o'brien@example.ie"]) {
      assert.equal(isEmail(v), true, v);
    }
  });

  test('rejects what is not an address', () => {
    for (const v of ['', 'plain', '@example.com', 'a@', 'a@-example.com', 'a@exa mple.com', 'a@example.com.', 'a..b@example.com', '.a@example.com', 'a.@example.com', 'Jane <a@example.com>', `${'a'.repeat(65)}@example.com`, `a@${'b'.repeat(64)}.com`, 'a@exämple.com', 42]) {
      assert.equal(isEmail(v), false, String(v));
    }
  });

  test('hostnames', () => {
    assert.equal(isHostname('example.com'), true);
    assert.equal(isHostname('example.com.'), true);
    assert.equal(isHostname('ex_ample.com'), false);
    assert.equal(isHostname('a'.repeat(254)), false);
  });
});

describe('tel format', () => {
  test('valid international numbers only', () => {
    assert.equal(isPhoneNumber('+4917667111638'), true);
    assert.equal(isPhoneNumber('+1 (415) 555-0132'), true);
    assert.equal(isPhoneNumber('+1 555'), false);
    assert.equal(isPhoneNumber('017667111638'), false, 'a national number has no country');
    assert.equal(isPhoneNumber(4917667111638), false);
  });

  test('E.164 normalisation', () => {
    assert.equal(toE164('+49 (0) 176 671 11 638'), '+4917667111638');
    assert.equal(toE164('not a number'), undefined);
  });
});
