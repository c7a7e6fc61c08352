import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { TEMPLATE_TYPES, type TemplateData, type TemplateType } from '../../src/courier/message.js';
import { TemplateError } from '../../src/courier/templates/renderer.js';
import { TEMPLATE_LAYOUTS } from '../../src/courier/templates/template-files.js';
import { createTemplateRenderer } from '../../src/courier/templates/template-renderer.js';

function dataFor(overrides: Partial<TemplateData> = {}): TemplateData {
  return {
    To: 'ada@example.org',
    RecoveryURL: 'https://auth.example.org/self-service/recovery?flow=f1&token=tok-recovery',
    RecoveryCode: '482913',
    VerificationURL: 'https://auth.example.org/self-service/verification?flow=f2&code=551077',
    VerificationCode: '551077',
    LoginCode: '304958',
    RegistrationCode: '719246',
    Identity: {
      id: '5f0c1d5e-1c6b-4b8e-9a51-3c2d4b1a0e77',
      state: 'active',
      traits: { email: 'ada@example.org', name: 'Ada Lovelace' },
      verifiable_addresses: [],
      recovery_addresses: [],
      metadata_public: null,
    },
    RequestURL: 'https://auth.example.org/self-service/recovery/browser',
    ExpiresInMinutes: 15,
    ChangedAt: '2026-01-02T03:04:05Z',
    Subject: 'Stub subject',
    Body: 'Stub body',
    ...overrides,
  };
}

/** What each type's message must carry for the recipient to act on it. */
const ESSENTIAL: Record<TemplateType, string[]> = {
  recovery_invalid: ['ada@example.org'],
  recovery_valid: ['https://auth.example.org/self-service/recovery?flow=f1&token=tok-recovery'],
  recovery_code_invalid: ['ada@example.org'],
  recovery_code_valid: ['482913'],
  verification_invalid: ['ada@example.org'],
  verification_valid: ['https://auth.example.org/self-service/verification?flow=f2&code=551077'],
  verification_code_invalid: ['ada@example.org'],
  verification_code_valid: ['551077'],
  login_code_valid: ['304958'],
  registration_code_valid: ['719246'],
  verifiable_address_changed: ['ada@example.org', '2026-01-02T03:04:05Z'],
  otp: [],
  stub: ['Stub body'],
};

const htmlEscaped = (s: string) => s.replace(/&/g, '&amp;');

describe('built-in courier templates', () => {
  const renderer = createTemplateRenderer({});

  for (const type of TEMPLATE_TYPES) {
    const layout = TEMPLATE_LAYOUTS[type];
    if (layout.email) {
      it(`${type}: renders an email with subject, html and plaintext`, async () => {
        const mail = await renderer.renderEmail(type, dataFor());
        assert.ok(mail.subject.length > 0 && !mail.subject.includes('\n'), `subject: ${JSON.stringify(mail.subject)}`);
        assert.equal(mail.subject, mail.subject.trim());
        for (const needle of ESSENTIAL[type]) {
          assert.ok(mail.text.includes(needle), `plaintext of ${type} lacks ${needle}:\n${mail.text}`);
          assert.ok(mail.html.includes(htmlEscaped(needle)), `html of ${type} lacks ${needle}:\n${mail.html}`);
        }
        for (const part of [mail.subject, mail.text, mail.html]) {
          assert.ok(!part.includes('<no value>'), `${type} printed a missing value:\n${part}`);
        }
        if (type !== 'stub') {
          assert.match(mail.html, /^<!DOCTYPE html>\n<html lang="en">/);
          assert.ok(!/(src|href)="(https?:)?\/\/(?!auth\.example\.org)/.test(mail.html), 'no external resources');
        }
        if (type.endsWith('_valid') && type !== 'stub') {
          assert.ok(mail.text.startsWith('Hi Ada Lovelace,'), mail.text);
          assert.ok(mail.html.includes('Hi Ada Lovelace,'), mail.html);
          assert.ok(mail.text.includes('15 minutes'), mail.text);
        }
      });
    } else {
      it(`${type}: has no email template`, async () => {
        await assert.rejects(renderer.renderEmail(type, dataFor()), (e: unknown) => {
          assert.ok(e instanceof TemplateError);
          assert.equal(e.templateType, type);
          assert.match(e.message, new RegExp(`${type} has no email template`));
          return true;
        });
      });
    }

    if (layout.sms) {
      it(`${type}: renders an SMS`, async () => {
        const { body } = await renderer.renderSms(type, dataFor({ To: '+4915112345678', Code: '246810', Body: 'Stub SMS' }));
        assert.equal(body, body.trim());
        // A notice by SMS names no address (it would cost a second message); it says what changed.
        const needles = type === 'otp' ? ['246810'] : type === 'stub' ? ['Stub SMS'] : type === 'verifiable_address_changed' ? ['address on your account changed'] : ESSENTIAL[type];
        for (const needle of needles) assert.ok(body.includes(needle), `SMS of ${type} lacks ${needle}: ${body}`);
        assert.ok(!body.includes('<no value>'), body);
        assert.ok(body.length <= 160, `SMS of ${type} fits one message: ${body.length}`);
      });
    } else {
      it(`${type}: has no SMS template`, async () => {
        await assert.rejects(renderer.renderSms(type, dataFor()), (e: unknown) => {
          assert.ok(e instanceof TemplateError);
          assert.equal(e.templateType, type);
          assert.equal(e.file, 'sms.body.gotmpl');
          return true;
        });
      });
    }
  }

  it('SMS codes carry the WebOTP origin line when RequestURLDomain is given', async () => {
    const { body } = await renderer.renderSms('login_code_valid', dataFor({ To: '+4915112345678', RequestURLDomain: 'auth.example.org' }));
    assert.ok(body.endsWith('\n\n@auth.example.org #304958'), body);
  });

  it('greets by first name when traits.name is an object, and without a name when there is none', async () => {
    const first = await renderer.renderEmail('login_code_valid', dataFor({ Identity: { traits: { email: 'a@example.org', name: { first: 'Grace', last: 'Hopper' } } } }));
    assert.ok(first.text.startsWith('Hi Grace,'), first.text);
    const none = await renderer.renderEmail('login_code_valid', dataFor({ Identity: undefined }));
    assert.ok(none.text.startsWith('Hi,'), none.text);
    const bare = await renderer.renderEmail('login_code_valid', { To: 'a@example.org', LoginCode: '111111' });
    assert.ok(bare.text.startsWith('Hi,'), bare.text);
    assert.ok(!bare.text.includes('expires'), 'no expiry sentence without ExpiresInMinutes');
    assert.ok(bare.text.includes('111111'));
  });

  it('says "1 minute" in the singular', async () => {
    const mail = await renderer.renderEmail('registration_code_valid', dataFor({ ExpiresInMinutes: 1 }));
    assert.ok(mail.text.includes('expires in 1 minute.'), mail.text);
  });

  it('escapes trait values and neutralises unsafe URLs in the HTML body', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    const data = dataFor({
      RecoveryURL: 'javascript:alert(1)',
      VerificationURL: 'javascript:alert(2)',
      Identity: { traits: { email: 'ada@example.org', name: evil } },
    });
    for (const type of ['recovery_valid', 'verification_code_valid'] as const) {
      const mail = await renderer.renderEmail(type, data);
      assert.ok(!mail.html.includes('<img'), mail.html);
      assert.ok(mail.html.includes('Hi &lt;img src=x onerror=alert(1)&gt;,'), mail.html);
      assert.ok(mail.html.includes('href="#ZgotmplZ"'), mail.html);
      assert.ok(!/href="javascript:/i.test(mail.html), mail.html);
      // The plaintext part is not HTML and keeps the value as given.
      assert.ok(mail.text.includes(evil));
    }
  });

  it('escapes the recipient address in invalid-address emails', async () => {
    const mail = await renderer.renderEmail('recovery_invalid', dataFor({ To: '"<b>x</b>"@example.org' }));
    assert.ok(mail.html.includes('&#34;&lt;b&gt;x&lt;/b&gt;&#34;@example.org'), mail.html);
  });

  it('renders the stub from the data it is given', async () => {
    const mail = await renderer.renderEmail('stub', { To: 'a@example.org', Subject: 'Hello <there>', Body: 'line 1\n<b>line 2</b>' });
    assert.equal(mail.subject, 'Hello <there>');
    assert.equal(mail.text, 'line 1\n<b>line 2</b>\n');
    assert.ok(mail.html.includes('line 1\n&lt;b&gt;line 2&lt;/b&gt;'), mail.html);
  });

  it('renders each message from its own data with the set parsed once', async () => {
    const r = createTemplateRenderer({});
    for (let i = 0; i < 50; i++) {
      const code = String(100000 + i);
      const mail = await r.renderEmail('verification_code_valid', dataFor({ VerificationCode: code }));
      assert.ok(mail.subject.startsWith(code) && mail.text.includes(code) && mail.html.includes(code));
      assert.ok(!mail.text.includes(String(100000 + i - 1)));
    }
  });
});
