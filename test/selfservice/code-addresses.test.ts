import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Identity } from '../../src/identity/identity.js';
import { codeAddressesIn, hasCodeAddressIn, secondFactorCodeAddresses } from '../../src/selfservice/strategies/code/code-addresses.js';

const withCode = (config: Record<string, unknown> | undefined): Identity =>
  ({ credentials: config === undefined ? {} : { code: { id: 'c', type: 'code', identifiers: [], config, version: 0, created_at: new Date(), updated_at: new Date() } } }) as unknown as Identity;

describe('code addresses', () => {
  it('reads the stored config and skips entries without an address or with another channel', () => {
    assert.deepEqual(
      codeAddressesIn({ addresses: [{ channel: 'email', address: 'a@example.com' }, { channel: 'sms', address: '+4917012345' }, { channel: 'voice', address: '+1' }, { channel: 'email', address: '' }, { channel: 'email' }, 'x'] }),
      [{ value: 'a@example.com', via: 'email' }, { value: '+4917012345', via: 'sms' }],
    );
    assert.deepEqual(codeAddressesIn({}), []);
    assert.deepEqual(codeAddressesIn(undefined), []);
    assert.deepEqual(codeAddressesIn({ addresses: 'a@example.com' }), []);
  });

  it('counts as a second factor only with an address to send to', () => {
    assert.equal(hasCodeAddressIn({ addresses: [{ channel: 'sms', address: '+4917012345' }] }), true);
    assert.equal(hasCodeAddressIn({ addresses: [] }), false);
    assert.equal(hasCodeAddressIn({}), false);
  });

  it('offers each address once, phone numbers before email addresses', () => {
    const identity = withCode({
      addresses: [
        { channel: 'email', address: 'b@example.com' },
        { channel: 'sms', address: '+4917012345' },
        { channel: 'email', address: 'a@example.com' },
        { channel: 'email', address: 'b@example.com' },
      ],
    });
    assert.deepEqual(secondFactorCodeAddresses(identity).map((a) => a.value), ['+4917012345', 'a@example.com', 'b@example.com']);
    assert.deepEqual(secondFactorCodeAddresses(withCode(undefined)), [], 'no code credential, no address (no fallback)');
  });
});
