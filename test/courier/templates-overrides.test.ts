import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import type { CourierConfig } from '../../src/config/types.js';
import type { TemplateData } from '../../src/courier/message.js';
import { TemplateError } from '../../src/courier/templates/renderer.js';
import { createTemplateRenderer } from '../../src/courier/templates/template-renderer.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/courier-templates/', import.meta.url));
const b64 = (s: string) => `base64://${Buffer.from(s).toString('base64')}`;
const fileUri = (name: string) => `file://${join(FIXTURES, 'files', name)}`;

function data(lang: string | undefined, extra: Partial<TemplateData> = {}): TemplateData {
  return {
    To: 'ada@example.org',
    RecoveryCode: '482913',
    VerificationCode: '551077',
    VerificationURL: 'https://auth.example.org/verify?code=551077',
    LoginCode: '304958',
    Identity: { id: 'i1', traits: { email: 'ada@example.org', name: 'Ada <3', ...(lang ? { lang } : {}) } },
    ExpiresInMinutes: 15,
    ...extra,
  };
}

function assertTemplateError(type: string, file: string, message: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof TemplateError, `expected a TemplateError, got ${String(e)}`);
    assert.equal(e.templateType, type);
    assert.equal(e.file, file);
    assert.match(e.message, message);
    assert.ok(e.message.includes(type), e.message);
    return true;
  };
}

describe('courier templates from template_override_path', () => {
  const renderer = createTemplateRenderer({ overridePath: join(FIXTURES, 'overrides') });

  it('uses the override files and selects a nested template by a trait', async () => {
    const en = await renderer.renderEmail('recovery_code_valid', data('en'));
    assert.equal(en.subject, '[Override] Recovery code 482913');
    assert.equal(en.html, '<p>Override: your recovery code is <b>482913</b>, Ada &lt;3.</p>');

    const de = await renderer.renderEmail('recovery_code_valid', data('de'));
    assert.equal(de.html.trim(), '<p>Hallo Ada &lt;3, dein Wiederherstellungscode lautet <b>482913</b>.</p>');

    const none = await renderer.renderEmail('recovery_code_valid', data(undefined));
    assert.ok(none.html.startsWith('<p>Override:'), none.html);
  });

  it('falls back to the built-in file the directory does not have', async () => {
    const mail = await renderer.renderEmail('recovery_code_valid', data('de'));
    assert.ok(mail.text.startsWith('Hi Ada <3,'), mail.text);
    assert.ok(mail.text.includes('482913'));
    const other = await renderer.renderEmail('login_code_valid', data('en'));
    assert.equal(other.subject, '304958 is your sign-in code');
  });

  it('overrides SMS bodies', async () => {
    const sms = await renderer.renderSms('verification_code_valid', data('en', { To: '+4915112345678' }));
    assert.equal(sms.body, 'Override SMS: 551077 for +4915112345678');
  });

  it('reports an execution error as a TemplateError naming the type and file', async () => {
    const broken = createTemplateRenderer({ overridePath: join(FIXTURES, 'broken') });
    await assert.rejects(
      broken.renderEmail('login_code_valid', data('en')),
      assertTemplateError('login_code_valid', 'email.subject.gotmpl', /login_code\/valid\/email\.subject\.gotmpl.*this template fails on purpose/),
    );
    // The other types still render.
    assert.ok((await broken.renderEmail('recovery_code_valid', data('en'))).text.includes('482913'));
  });

  it('loads override files with the hermetic Sprig map (no env)', async () => {
    const hermetic = createTemplateRenderer({ overridePath: join(FIXTURES, 'hermetic') });
    await assert.rejects(
      hermetic.renderEmail('login_code_valid', data('en')),
      assertTemplateError('login_code_valid', 'email.subject.gotmpl', /function "env" not defined/),
    );
  });
});

describe('courier templates from courier.templates URIs', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tessera-templates-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const fileTemplates: CourierConfig['templates'] = {
    verification_code: {
      valid: {
        email: {
          subject: fileUri('subject.gotmpl'),
          body: { html: fileUri('body.html.gotmpl'), plaintext: fileUri('body.plaintext.gotmpl') },
        },
        sms: { body: { plaintext: b64('B64 SMS {{ .VerificationCode }}') } },
      },
    },
  };

  it('reads file:// templates, html with contextual escaping', async () => {
    const r = createTemplateRenderer({ templates: fileTemplates });
    const mail = await r.renderEmail('verification_code_valid', data('en'));
    assert.equal(mail.subject, 'File subject for ada@example.org');
    assert.equal(mail.html, '<p>File html body: <a href="https://auth.example.org/verify?code=551077">verify</a> (551077)</p>\n');
    assert.equal(mail.text, 'File plaintext body: 551077 https://auth.example.org/verify?code=551077\n');
    const evil = await r.renderEmail('verification_code_valid', data('en', { VerificationURL: 'javascript:alert(1)' }));
    assert.ok(evil.html.includes('href="#ZgotmplZ"'), evil.html);
  });

  it('reads base64:// templates', async () => {
    const r = createTemplateRenderer({
      templates: {
        recovery_code: {
          valid: {
            email: {
              subject: b64('B64 subject {{ .RecoveryCode }}'),
              body: { html: b64('<i>{{ .Identity.traits.name }}</i>'), plaintext: b64('plain {{ .RecoveryCode }}') },
            },
          },
        },
      },
    });
    const mail = await r.renderEmail('recovery_code_valid', data('en'));
    assert.deepEqual(mail, { subject: 'B64 subject 482913', html: '<i>Ada &lt;3</i>', text: 'plain 482913' });
    const sms = await createTemplateRenderer({ templates: fileTemplates }).renderSms('verification_code_valid', data('en'));
    assert.equal(sms.body, 'B64 SMS 551077');
  });

  it('prefers a configured URI to the override directory, file by file', async () => {
    const r = createTemplateRenderer({
      overridePath: join(FIXTURES, 'overrides'),
      templates: { recovery_code: { valid: { email: { subject: b64('Configured {{ .RecoveryCode }}') } } } },
    });
    const mail = await r.renderEmail('recovery_code_valid', data('de'));
    assert.equal(mail.subject, 'Configured 482913');
    assert.ok(mail.html.includes('Wiederherstellungscode'), mail.html);
  });

  it('overrides the address-change notice, which has no valid/invalid variants, from courier.templates.verifiable_address_changed', async () => {
    const r = createTemplateRenderer({
      templates: { verifiable_address_changed: { email: { subject: b64('Changed at {{ .ChangedAt }}') }, sms: { body: { plaintext: b64('SMS {{ .ChangedAt }}') } } } },
    });
    const d = { ...data('en'), ChangedAt: '2026-01-02T03:04:05Z' };
    assert.equal((await r.renderEmail('verifiable_address_changed', d)).subject, 'Changed at 2026-01-02T03:04:05Z');
    assert.equal((await r.renderSms('verifiable_address_changed', d)).body, 'SMS 2026-01-02T03:04:05Z');
  });

  it('refuses an html body without a plaintext body, and the reverse, at creation', () => {
    assert.throws(
      () => createTemplateRenderer({ templates: { recovery: { valid: { email: { body: { html: b64('<p>x</p>') } } } } } }),
      assertTemplateError('recovery_valid', 'email.body.plaintext.gotmpl', /courier\.templates\.recovery\.valid\.email\.body\.html is set but courier\.templates\.recovery\.valid\.email\.body\.plaintext is not/),
    );
    assert.throws(
      () => createTemplateRenderer({ templates: { login_code: { valid: { email: { body: { plaintext: fileUri('body.plaintext.gotmpl') } } } } } }),
      assertTemplateError('login_code_valid', 'email.body.gotmpl', /email\.body\.html is not/),
    );
  });

  it('refuses unsupported schemes and broken inline templates at creation', () => {
    assert.throws(
      () => createTemplateRenderer({ templates: { recovery: { invalid: { email: { subject: 'ftp://example.org/s.gotmpl' } } } } }),
      assertTemplateError('recovery_invalid', 'email.subject.gotmpl', /unsupported URI ftp:\/\/example\.org\/s\.gotmpl/),
    );
    assert.throws(
      () => createTemplateRenderer({ templates: { recovery: { invalid: { email: { subject: b64('{{ .To ') } } } } }),
      assertTemplateError('recovery_invalid', 'email.subject.gotmpl', /base64:\/\//),
    );
    assert.throws(
      () => createTemplateRenderer({ templates: { recovery: { invalid: { email: { subject: 'base64://not base64!' } } } } }),
      assertTemplateError('recovery_invalid', 'email.subject.gotmpl', /not valid base64/),
    );
  });

  it('uses the hermetic Sprig map for configured templates (no randAlphaNum, no env)', async () => {
    const rand = createTemplateRenderer({ templates: { login_code: { valid: { email: { subject: fileUri('random.gotmpl') } } } } });
    await assert.rejects(rand.renderEmail('login_code_valid', data('en')), assertTemplateError('login_code_valid', 'email.subject.gotmpl', /function "randAlphaNum" not defined/));
    assert.throws(
      () => createTemplateRenderer({ templates: { login_code: { valid: { email: { subject: b64('{{ env "HOME" }}') } } } } }),
      assertTemplateError('login_code_valid', 'email.subject.gotmpl', /function "env" not defined/),
    );
  });

  it('reports a missing file:// template and an execution error as TemplateErrors', async () => {
    const missing = createTemplateRenderer({ templates: { login_code: { valid: { email: { subject: `file://${join(tmp, 'nope.gotmpl')}` } } } } });
    await assert.rejects(missing.renderEmail('login_code_valid', data('en')), assertTemplateError('login_code_valid', 'email.subject.gotmpl', /nope\.gotmpl/));

    const path = join(tmp, 'exec.gotmpl');
    writeFileSync(path, '{{ .Identity.traits.missing.deeper }}');
    const failing = createTemplateRenderer({ templates: { login_code: { valid: { email: { subject: `file://${path}` } } } } });
    await assert.rejects(
      failing.renderEmail('login_code_valid', data('en', { Identity: { traits: { missing: null } } })),
      assertTemplateError('login_code_valid', 'email.subject.gotmpl', /rendering courier template login_code_valid .*exec\.gotmpl.*nil pointer/),
    );
  });
});
