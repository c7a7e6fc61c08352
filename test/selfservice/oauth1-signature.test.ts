import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oauth1Header, oauth1Signature, oauthEncode } from '../../src/selfservice/strategies/oidc/oauth1.js';

// The worked example of X's (Twitter's) "Creating a signature" documentation.
test('the HMAC-SHA1 signature matches the documented example', () => {
  const signature = oauth1Signature(
    'POST',
    'https://api.twitter.com/1.1/statuses/update.json?include_entities=true',
    [
      ['status', 'Hello Ladies + Gentlemen, a signed OAuth request!'],
      ['oauth_consumer_key', 'xvz1evFS4wEEPTGEFPHBog'],
      ['oauth_nonce', 'kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg'],
      ['oauth_signature_method', 'HMAC-SHA1'],
      ['oauth_timestamp', '1318622958'],
      ['oauth_token', '370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb'],
      ['oauth_version', '1.0'],
    ],
    'kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw',
    'LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE',
  );
  assert.equal(signature, 'hCtSmYh+iHYCEqBWrE7C7hYmtUk=');
});

test('percent-encoding is RFC 3986 (reserved characters encoded, unreserved kept)', () => {
  assert.equal(oauthEncode("Ladies + Gentlemen!*'()~-._"), 'Ladies%20%2B%20Gentlemen%21%2A%27%28%29~-._');
});

test('the header carries every oauth_* field and the signature of them', () => {
  const header = oauth1Header('POST', 'https://x.example/oauth/request_token', { consumerKey: 'ck', consumerSecret: 'cs' }, { oauth_callback: 'https://id.example/cb?state=s&code=unused' }, {}, new Date(1_700_000_000_000), 'n0nce');
  const fields = Object.fromEntries([...header.slice('OAuth '.length).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], decodeURIComponent(m[2]!)]));
  assert.equal(fields.oauth_callback, 'https://id.example/cb?state=s&code=unused');
  assert.equal(fields.oauth_timestamp, '1700000000');
  const expected = oauth1Signature('POST', 'https://x.example/oauth/request_token', Object.entries(fields).filter(([k]) => k !== 'oauth_signature') as Array<[string, string]>, 'cs');
  assert.equal(fields.oauth_signature, expected);
});
