import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, html, attr, linkify } from '../../src/webui/html.js';
import { renderForms, renderNode, type RenderContext } from '../../src/webui/nodes.js';
import { messageText } from '../../src/webui/texts.js';
import { page, uiCsp } from '../../src/webui/layout.js';
import { inputNode, textNode, imageNode } from '../../src/ui/node.js';
import { uiText } from '../../src/text/message.js';

const ctx = (): RenderContext => ({ translations: new Map(), origin: 'http://127.0.0.1:4433' });

describe('HTML helpers', () => {
  test('escaping covers text and both attribute quotes', () => {
    assert.equal(escapeHtml(`<a href="x" onclick='y'>&\``), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;');
    assert.equal(escapeHtml(null), '');
  });

  test('the tagged template escapes every value and keeps nested templates', () => {
    const evil = '<script>alert(1)</script>';
    const inner = html`<b>${evil}</b>`;
    assert.equal(html`<p title="${evil}">${inner}${[evil, 1]}${undefined}${false}</p>`.value, '<p title="&lt;script&gt;alert(1)&lt;/script&gt;"><b>&lt;script&gt;alert(1)&lt;/script&gt;</b>&lt;script&gt;alert(1)&lt;/script&gt;1</p>');
    assert.equal(html`<input${attr('value', '"x"')}${attr('required', true)}${attr('disabled', false)}>`.value, '<input value="&quot;x&quot;" required>');
  });

  test('linkify turns http(s) URLs into links and leaves the rest as escaped text', () => {
    assert.equal(
      linkify('Open https://a.example/x?a=1&b=<2>. Or javascript:alert(1)').value,
      'Open <a href="https://a.example/x?a=1&amp;b=" rel="noreferrer">https://a.example/x?a=1&amp;b=</a>&lt;2&gt;. Or javascript:alert(1)',
    );
  });
});

describe('node rendering', () => {
  test('inputs get a label, their messages and aria-describedby; passwords never echo a value', () => {
    const n = inputNode('password', 'password', 'secret', 'password', { required: true, label: uiText(1070001, 'info', 'Password') });
    n.messages.push(uiText(4000005, 'error', 'too short <b>'));
    const out = renderNode(n, 'f', ctx()).value;
    assert.match(out, /<label for="f-password">Password<\/label>/);
    assert.match(out, /<input type="password" id="f-password" name="password" required aria-describedby="f-password-message-0" aria-invalid="true">/);
    assert.match(out, /<p class="msg msg-error" id="f-password-message-0" role="alert" data-message-id="4000005">too short &lt;b&gt;<\/p>/);
  });

  test('images only from data: or the same origin; links only http(s); scripts only from the same origin', () => {
    const c = ctx();
    assert.match(renderNode(imageNode('totp', 'qr', 'data:image/png;base64,AAAA'), 'f', c).value, /<img id="qr" src="data:image\/png;base64,AAAA"/);
    assert.equal(renderNode(imageNode('totp', 'qr', 'https://evil.example/x.png'), 'f', c).value, '');
    const a = (href: string) => ({ type: 'a' as const, group: 'default' as const, attributes: { node_type: 'a' as const, id: 'l', href, title: uiText(1, 'info', 'Go') }, messages: [], meta: {} });
    assert.equal(renderNode(a('javascript:alert(1)'), 'f', c).value, '');
    assert.match(renderNode(a('/ui/'), 'f', c).value, /href="http:\/\/127\.0\.0\.1:4433\/ui\/"/);
    const script = (src: string) => ({
      type: 'script' as const,
      group: 'webauthn' as const,
      attributes: { node_type: 'script' as const, id: 's', src, async: true, referrerpolicy: '', crossorigin: '', integrity: '', type: 'text/javascript', nonce: '' },
      messages: [],
      meta: {},
    });
    assert.equal(renderNode(script('https://cdn.example/x.js'), 'f', c).value, '');
    assert.equal(c.usedScript, undefined);
    assert.match(renderNode(script('http://127.0.0.1:4433/.well-known/ory/webauthn.js'), 'f', c).value, /<script id="s" src="http:\/\/127\.0\.0\.1:4433\/\.well-known\/ory\/webauthn\.js" async type="text\/javascript"><\/script>/);
    assert.equal(c.usedScript, true);
  });

  test('WebAuthn triggers become script-bound buttons; raw onclick code is never rendered', () => {
    const options = '{"publicKey":{"challenge":"<x>"}}';
    const trigger = inputNode('webauthn', 'webauthn_register_trigger', options, 'button', { onclick: `window.oryWebAuthnRegistration(${options})`, onclickTrigger: 'oryWebAuthnRegistration', label: uiText(1050012, 'info', 'Add security key') });
    const out = renderNode(trigger, 'f', ctx()).value;
    assert.match(out, /<button type="button" class="button" id="f-webauthn_register_trigger" name="webauthn_register_trigger" value="\{&quot;publicKey&quot;:\{&quot;challenge&quot;:&quot;&lt;x&gt;&quot;\}\}" data-ory-trigger="oryWebAuthnRegistration">Add security key<\/button>/);
    assert.doesNotMatch(out, /onclick/);
    const unknown = inputNode('webauthn', 'x', '', 'button', { onclick: 'alert(1)', onclickTrigger: 'alert' });
    assert.equal(renderNode(unknown, 'f', ctx()).value, '');
  });

  test('text nodes show lookup secrets as a list', () => {
    const t = textNode('lookup_secret', 'codes', uiText(1050015, 'info', 'abc, def', { secrets: [uiText(1050009, 'info', 'abc'), uiText(1050009, 'info', '<x>')] }));
    assert.match(renderNode(t, 'f', ctx()).value, /<ul class="secrets"><li><code>abc<\/code><\/li><li><code>&lt;x&gt;<\/code><\/li><\/ul>/);
  });

  test('several method groups give one form each, every one with the default-group nodes', () => {
    const nodes = [inputNode('default', 'csrf_token', 'tok', 'hidden'), inputNode('profile', 'traits.email', 'a@b.c', 'email'), inputNode('password', 'password', undefined, 'password')];
    const out = renderForms({ action: 'http://127.0.0.1:4433/self-service/settings?flow=1', method: 'POST', nodes }, ctx(), 'settings').value;
    assert.equal(out.match(/<form /g)?.length, 2);
    assert.equal(out.match(/name="csrf_token" value="tok"/g)?.length, 2);
    assert.match(out, /data-group="profile"/);
    assert.match(out, /data-group="password"/);
  });

  test('a group of provider buttons gets a form with the hidden default nodes only', () => {
    const nodes = [
      inputNode('default', 'csrf_token', 'tok', 'hidden'),
      inputNode('default', 'identifier', '', 'text', { required: true }),
      inputNode('password', 'password', undefined, 'password'),
      inputNode('oidc', 'provider', 'corp', 'submit', { label: uiText(1010002, 'info', 'Sign in with Corp') }),
    ];
    const out = renderForms({ action: 'http://127.0.0.1:4433/self-service/login?flow=1', method: 'POST', nodes }, ctx(), 'login').value;
    const oidcForm = out.slice(out.indexOf('data-group="oidc"'));
    assert.match(oidcForm, /name="csrf_token" value="tok"/);
    assert.doesNotMatch(oidcForm, /name="identifier"/);
    assert.match(oidcForm, /name="provider" value="corp"/);
    assert.match(out.slice(0, out.indexOf('data-group="oidc"')), /name="identifier"/);
  });

  test('a group of hidden inputs only (the identifier given to identifier-first) is carried by every form, not a form itself', () => {
    const nodes = [
      inputNode('identifier_first', 'identifier', 'ada@example.com', 'hidden'),
      inputNode('default', 'csrf_token', 'tok', 'hidden'),
      inputNode('code', 'method', 'code', 'submit'),
      inputNode('password', 'password', undefined, 'password'),
      inputNode('password', 'method', 'password', 'submit'),
    ];
    const out = renderForms({ action: 'http://127.0.0.1:4433/self-service/login?flow=1', method: 'POST', nodes }, ctx(), 'login').value;
    assert.equal(out.match(/<form /g)?.length, 2);
    assert.doesNotMatch(out, /data-group="identifier_first"/);
    assert.equal(out.match(/<input type="hidden" name="identifier" value="ada@example.com">/g)?.length, 2);
    assert.equal(out.match(/name="csrf_token" value="tok"/g)?.length, 2);
  });

  test('the translation hook replaces texts by id and fills in context values', () => {
    const m = uiText(4000003, 'error', 'length must be >= 8, but got 3', { min_length: 8, actual_length: 3 });
    assert.equal(messageText(m), 'length must be >= 8, but got 3');
    assert.equal(messageText(m, new Map([[4000003, 'mindestens {min_length} Zeichen, nicht {actual_length}']])), 'mindestens 8 Zeichen, nicht 3');
  });
});

describe('page layout and policy', () => {
  test('the policy forbids everything but own styles, own and inline-data images and posts to the API', () => {
    assert.equal(
      uiCsp({ publicBaseUrl: 'http://127.0.0.1:4433/' }),
      "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self' http://127.0.0.1:4433/; frame-ancestors 'none'; base-uri 'none'",
    );
    const withExtras = uiCsp({ publicBaseUrl: 'https://id.example/', imageOrigin: 'https://cdn.example', scripts: true });
    assert.match(withExtras, /script-src 'self'; /);
    assert.match(withExtras, /img-src 'self' data: https:\/\/cdn\.example;/);
    // A provider button's post is redirected to the provider: its origin must be allowed.
    assert.match(uiCsp({ publicBaseUrl: 'https://id.example/', formRedirectOrigins: ['https://sso.example.com'] }), /form-action 'self' https:\/\/id\.example\/ https:\/\/sso\.example\.com;/);
  });

  test('the name and logo are configurable and escaped', () => {
    const out = page({ name: 'Acme <Corp>', logoUrl: 'https://cdn.example/logo.svg?a=1&b=2', base: '/ui', mailbox: false }, 'Sign in', html`<p>x</p>`).value;
    assert.match(out, /<title>Sign in · Acme &lt;Corp&gt;<\/title>/);
    assert.match(out, /<img src="https:\/\/cdn\.example\/logo\.svg\?a=1&amp;b=2" alt=""><span>Acme &lt;Corp&gt;<\/span>/);
    assert.match(out, /<link rel="stylesheet" href="\/ui\/static\/style\.css">/);
    assert.ok(!out.includes('/ui/mailbox'));
    assert.match(out, /<main id="main">\n<h1>Sign in<\/h1>/);
  });
});
