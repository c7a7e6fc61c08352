// Every built-in Kratos courier template parses and renders, loaded the way Kratos loads them:
// the main file plus its siblings matching "<name>*" in one set, Sprig's hermetic functions,
// html/template for email.body.gotmpl and text/template for the rest.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Template, sprigHermeticFuncMap } from '../src/index.js';
import { notRun } from '../../../test/testkit/outside.js';

// Kratos's built-in templates: beside the Tessera checkout, or where TESSERA_KRATOS_REFERENCE points.
const ROOT = join(process.env.TESSERA_KRATOS_REFERENCE || fileURLToPath(new URL('../../../../shared/reference/kratos', import.meta.url)), 'templates');

function templateFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) templateFiles(p, out);
    else if (name.endsWith('.gotmpl')) out.push(p);
  }
  return out;
}

export function loadKratosTemplate(path: string, html: boolean): Template {
  const name = basename(path);
  const t = new Template(name, { html }).funcs(sprigHermeticFuncMap());
  t.parseGlob(join(path, '..', name.replace(/\.gotmpl$/, '') + '*'));
  return t;
}

const XSS_NAME = '<img src=x onerror=alert(1)>';
const XSS_URL = 'javascript:alert(1)';

function sample(xss: boolean) {
  const url = xss ? XSS_URL : 'https://auth.example.com/self-service/recovery?flow=6f2c&token=abc';
  return {
    To: 'ada@example.com',
    RecoveryURL: url,
    RecoveryCode: '123456',
    VerificationURL: url,
    VerificationCode: '654321',
    LoginCode: '112233',
    RegistrationCode: '445566',
    Identity: {
      id: '9f425a8d-7efc-4768-8f23-7647a74fdf13',
      ID: '9f425a8d-7efc-4768-8f23-7647a74fdf13',
      traits: { email: 'ada@example.com', name: xss ? XSS_NAME : 'Ada' },
      verifiable_addresses: [{ value: 'ada@example.com', verified: false }],
    },
    RequestURL: 'https://auth.example.com/self-service/login/browser',
    RequestURLDomain: 'auth.example.com',
    TransientPayload: { lang: 'en' },
    ExpiresInMinutes: 60,
    Code: '778899',
    AddedAt: '2026-11-23T10:00:00Z',
    ChangedAt: '2026-11-23T10:00:00Z',
    // test_stub fields
    Body: xss ? XSS_NAME : 'body',
    HTMLBody: xss ? XSS_NAME : '',
    Subject: 'subject',
    lang: 'en_US',
    input: 'hello world',
  };
}

const skip = existsSync(ROOT) ? false : notRun('Kratos reference data', `${ROOT} not found; set TESSERA_KRATOS_REFERENCE to Kratos's reference folder`);
const files = skip ? [] : templateFiles(ROOT);

test('the reference template directory is present', { skip }, () => {
  assert.ok(files.length >= 40, `found ${files.length} templates`);
});

for (const file of files) {
  const rel = file.slice(ROOT.length + 1);
  const html = basename(file) === 'email.body.gotmpl';
  test(`kratos ${rel} (${html ? 'html' : 'text'}/template)`, () => {
    const t = loadKratosTemplate(file, html);
    const out = t.execute(sample(false));
    assert.ok(out.length > 0);
    assert.ok(!out.includes('<no value>') || rel.startsWith('test_stub'), `unexpected <no value> in ${out}`);
    if (html) {
      const evil = t.execute(sample(true));
      assert.ok(!evil.includes(XSS_NAME), evil);
      assert.ok(!/(href|src)="javascript:/i.test(evil), evil);
    }
  });
}

test('kratos recovery_code email body renders the code', { skip }, () => {
  const t = loadKratosTemplate(join(ROOT, 'recovery_code/valid/email.body.gotmpl'), true);
  assert.equal(
    t.execute(sample(false)),
    'Recover access to your account by entering the following code:\n\n123456\n\nIf this was not you, do nothing. This code expires in 60 minutes.\n',
  );
});

test('kratos verification link is escaped in html and kept in text', { skip }, () => {
  const html = loadKratosTemplate(join(ROOT, 'verification/valid/email.body.gotmpl'), true).execute(sample(false));
  assert.ok(html.includes('<a href="https://auth.example.com/self-service/recovery?flow=6f2c&amp;token=abc">'), html);
  const evil = loadKratosTemplate(join(ROOT, 'verification/valid/email.body.gotmpl'), true).execute(sample(true));
  assert.ok(evil.includes('<a href="#ZgotmplZ">'), evil);
  const text = loadKratosTemplate(join(ROOT, 'verification/valid/email.body.plaintext.gotmpl'), false).execute(sample(false));
  assert.ok(text.includes('https://auth.example.com/self-service/recovery?flow=6f2c&token=abc'), text);
});

test('kratos nested templates from sibling files and sprig', { skip }, () => {
  const t = loadKratosTemplate(join(ROOT, 'test_stub/email.body.html.gotmpl'), true);
  assert.equal(t.execute({ lang: 'en_US' }).trim(), 'lang=en_US');
  const s = loadKratosTemplate(join(ROOT, 'test_stub/email.body.sprig.gotmpl'), false);
  assert.equal(s.execute({ input: 'hello world' }).trim(), 'HelloWorld,HELLOWORLD');
  const sms = loadKratosTemplate(join(ROOT, 'login_code/valid/sms.body.gotmpl'), false);
  assert.equal(sms.execute(sample(false)), 'Your login code is: 112233\n\nIt expires in 60 minutes.\n\n@auth.example.com #112233\n');
});
