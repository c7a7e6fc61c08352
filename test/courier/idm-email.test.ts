import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IdmEmailError, looksLikeIdmEmail, translateIdmEmail } from '../../src/courier/settings/idm-email.js';
import { EMAIL_SETTINGS_KEYS } from '../../src/courier/settings/email-settings.js';

describe("ForgeRock IDM's external.email read as Tessera's email settings", () => {
  test('SMTP: TLS modes, user and password, sender, timeouts and properties', () => {
    const ssl = translateIdmEmail({ host: 'smtp.example.org', port: 465, ssl: { enable: true }, auth: { enable: true, username: 'mail er', password: 'pw' }, timeout: 0 });
    assert.deepEqual(ssl.settings, { smtp: { connection_uri: 'smtps://mail%20er@smtp.example.org:465/', password: 'pw' } });
    assert.ok(ssl.notes.some((n) => /timeout: 0/.test(n)));
    const starttls = translateIdmEmail({ host: 'smtp.example.org', port: 587, starttls: { enable: true }, from: 'Support <support@example.org>', smtpProperties: ['mail.smtp.localhost=mx.example.org'] });
    assert.deepEqual(starttls.settings, { smtp: { connection_uri: 'smtp://smtp.example.org:587/', from_address: 'support@example.org', from_name: 'Support', local_name: 'mx.example.org' } });
    const clear = translateIdmEmail({ host: '::1', auth: { enable: false, username: 'ignored' } });
    assert.deepEqual(clear.settings, { smtp: { connection_uri: 'smtp://[::1]/?disable_starttls=true' } });
  });

  test('Graph: client credentials, with secrets by $purpose', () => {
    const t = translateIdmEmail({
      type: 'msgraph',
      mailEndpoint: 'https://graph.microsoft.com/v1.0/users/a@example.org/sendMail',
      from: 'a@example.org',
      auth: { enable: true, type: 'oauth2', clientId: { $purpose: 'graph.id' }, clientSecret: { $purpose: 'graph.secret' }, tokenEndpoint: 'https://login.microsoftonline.com/t/oauth2/v2.0/token', scope: 'https://graph.microsoft.com/.default', grantType: 'client_credentials' },
    });
    assert.deepEqual(t.settings, {
      channels: [
        {
          id: 'email',
          type: 'msgraph',
          msgraph_config: {
            mail_endpoint: 'https://graph.microsoft.com/v1.0/users/a@example.org/sendMail',
            client_id: { $purpose: 'graph.id' },
            client_secret: { $purpose: 'graph.secret' },
            token_endpoint: 'https://login.microsoftonline.com/t/oauth2/v2.0/token',
            scope: ['https://graph.microsoft.com/.default'],
            from: 'a@example.org',
          },
        },
      ],
    });
  });

  test('what Tessera cannot honour is refused, naming the key', () => {
    const field = (body: Record<string, unknown>) => {
      try {
        translateIdmEmail(body);
      } catch (e) {
        assert.ok(e instanceof IdmEmailError);
        return e.field;
      }
      assert.fail('accepted');
    };
    assert.equal(field({ host: 'h', auth: { password: { $crypto: { value: {} } } } }), 'auth.password');
    assert.equal(field({ host: 'h', auth: { type: 'oauth2' } }), 'auth.type');
    assert.equal(field({ host: 'h', smtpProperties: ['mail.smtp.ssl.protocols=SSLv3'] }), 'smtpProperties.mail.smtp.ssl.protocols');
    assert.equal(field({ host: 'h', port: 70000 }), 'port');
    assert.equal(field({ port: 25 }), 'host');
    assert.equal(field({ type: 'msgraph', auth: { type: 'oauth2', grantType: 'password' } }), 'auth.grantType');
    assert.equal(field({ host: 'h', bogus: 1 }), 'bogus');
  });

  test("IDM's shape is told from Tessera's by its keys", () => {
    assert.equal(looksLikeIdmEmail({ host: 'h' }, EMAIL_SETTINGS_KEYS), true);
    assert.equal(looksLikeIdmEmail({ smtp: {} }, EMAIL_SETTINGS_KEYS), false);
    assert.equal(looksLikeIdmEmail({ smtp: {}, host: 'h' }, EMAIL_SETTINGS_KEYS), false);
  });
});
