import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskAddress, parseTypedAddress } from '../../src/selfservice/flow/typed-address.js';

test('a typed address is read as the channel it names, in the form addresses are stored in', () => {
  assert.deepEqual(parseTypedAddress('  Ada@Example.COM '), { via: 'email', value: 'ada@example.com' });
  assert.deepEqual(parseTypedAddress('+49 170 1234567'), { via: 'sms', value: '+491701234567' });
  assert.deepEqual(parseTypedAddress('+49-(170)-123 45 67'), { via: 'sms', value: '+491701234567' });
  assert.deepEqual(parseTypedAddress('+1 415 555 2671'), { via: 'sms', value: '+14155552671' });
  // Neither an email address nor a valid number (too short, no country code, letters).
  assert.equal(parseTypedAddress('12'), null);
  assert.equal(parseTypedAddress('0170 1234567'), null);
  assert.equal(parseTypedAddress('ada'), null);
  assert.equal(parseTypedAddress(''), null);
});

test('masked addresses show the start and the end only', () => {
  assert.equal(maskAddress('ada@example.com'), 'ad****@example.com');
  assert.equal(maskAddress('a@example.com'), 'a@example.com');
  assert.equal(maskAddress('+491701234567'), '+49****67');
  assert.equal(maskAddress('+4917'), '+4917');
});
