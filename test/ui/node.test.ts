import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { infoNodeLabelPassword, infoLoginWith, infoSettingsTotpQrCode, validationRequired } from '../../src/text/index.js';
import {
  anchorNode,
  csrfNode,
  divNode,
  imageNode,
  inputNode,
  nodeName,
  nodeToJSON,
  nodeValue,
  scriptNode,
  textNode,
  UiNodeGroup,
  UiNodeInputType,
} from '../../src/ui/index.js';
import { assertMatchesSchema } from '../testkit/openapi.js';

describe('UI nodes on the wire', () => {
  test('an input node with every option keeps Kratos key order and matches uiNode', () => {
    const node = inputNode(UiNodeGroup.WebAuthn, 'webauthn_register', 'v', UiNodeInputType.Button, {
      required: true,
      autocomplete: 'username webauthn',
      inputLabel: infoNodeLabelPassword(),
      pattern: '^x$',
      disabled: true,
      onclick: 'go()',
      onclickTrigger: 'oryWebAuthnRegistration',
      onload: 'load()',
      onloadTrigger: 'oryWebAuthnLogin',
      maxlength: 64,
      label: infoLoginWith('GitHub', 'github'),
    });
    const json = nodeToJSON(node);
    assertMatchesSchema('uiNode', json);
    assert.deepEqual(Object.keys(json), ['type', 'group', 'attributes', 'messages', 'meta']);
    assert.deepEqual(Object.keys(json.attributes as object), [
      'name', 'type', 'value', 'required', 'autocomplete', 'label', 'pattern', 'disabled',
      'onclick', 'onclickTrigger', 'onload', 'onloadTrigger', 'maxlength', 'node_type',
    ]);
    assert.deepEqual(json.meta, { label: { id: 1010002, text: 'Sign in with GitHub', type: 'info', context: { provider: 'GitHub', provider_id: 'github' } } });
  });

  test('empty optional input attributes are omitted; disabled, messages and meta are always sent', () => {
    const json = nodeToJSON(inputNode(UiNodeGroup.Default, 'traits.x', undefined, UiNodeInputType.Text));
    assert.deepEqual(json, {
      type: 'input',
      group: 'default',
      attributes: { name: 'traits.x', type: 'text', disabled: false, node_type: 'input' },
      messages: [],
      meta: {},
    });
    assertMatchesSchema('uiNode', json);
  });

  test('an empty string, zero and false are values; null is none', () => {
    const value = (v: unknown) => (nodeToJSON(inputNode(UiNodeGroup.Default, 'n', v, UiNodeInputType.Text)).attributes as { value?: unknown }).value;
    assert.equal(value(''), '');
    assert.equal(value(0), 0);
    assert.equal(value(false), false);
    assert.equal(value(null), undefined);
    assert.ok(!('value' in (nodeToJSON(inputNode(UiNodeGroup.Default, 'n', null, UiNodeInputType.Text)).attributes as object)));
  });

  test('a password input never carries its value to the wire', () => {
    const node = inputNode(UiNodeGroup.Password, 'password', 'hunter2', UiNodeInputType.Password);
    assert.equal(node.attributes.value, 'hunter2');
    assert.ok(!JSON.stringify(nodeToJSON(node)).includes('hunter2'));
  });

  test('csrfNode is a required hidden input in the default group without a label', () => {
    const json = nodeToJSON(csrfNode('tok=='));
    assert.deepEqual(json, {
      type: 'input',
      group: 'default',
      attributes: { name: 'csrf_token', type: 'hidden', value: 'tok==', required: true, disabled: false, node_type: 'input' },
      messages: [],
      meta: {},
    });
    assertMatchesSchema('uiNode', json);
  });

  test('text, image, anchor, script and division nodes have their required attributes', () => {
    const text = nodeToJSON(textNode(UiNodeGroup.Totp, 'totp_secret_key', infoSettingsTotpQrCode(), { label: infoNodeLabelPassword() }));
    assert.deepEqual(text.attributes, { text: { id: 1050005, text: 'Authenticator app QR code', type: 'info' }, id: 'totp_secret_key', node_type: 'text' });
    const img = nodeToJSON(imageNode(UiNodeGroup.Totp, 'totp_qr', 'data:image/png;base64,AA', { width: 256, height: 256 }));
    assert.deepEqual(img.attributes, { src: 'data:image/png;base64,AA', id: 'totp_qr', width: 256, height: 256, node_type: 'img' });
    const a = nodeToJSON(anchorNode(UiNodeGroup.Default, 'back', 'https://app.example/', infoNodeLabelPassword()));
    assert.deepEqual(Object.keys(a.attributes as object), ['href', 'title', 'id', 'node_type']);
    const script = scriptNode(UiNodeGroup.WebAuthn, 'webauthn_script', 'https://id.example/.well-known/ory/webauthn.js', { integrity: 'sha512-x' });
    const s = nodeToJSON(script);
    assert.deepEqual(Object.keys(s.attributes as object), ['src', 'async', 'referrerpolicy', 'crossorigin', 'integrity', 'type', 'id', 'nonce', 'node_type']);
    assert.equal(script.attributes.type, 'text/javascript');
    assert.equal(script.attributes.async, true);
    assert.equal(script.attributes.crossorigin, 'anonymous');
    assert.equal(script.attributes.referrerpolicy, 'no-referrer');
    assert.match(script.attributes.nonce, /^[0-9a-f-]{36}$/);
    assert.notEqual(scriptNode(UiNodeGroup.WebAuthn, 'x', 'y').attributes.nonce, script.attributes.nonce);
    const div = nodeToJSON(divNode(UiNodeGroup.Captcha, 'captcha', { class: 'c', data: { sitekey: 'k' } }));
    assert.deepEqual(div.attributes, { class: 'c', id: 'captcha', data: { sitekey: 'k' }, node_type: 'div' });
    assert.deepEqual(nodeToJSON(divNode(UiNodeGroup.Captcha, 'captcha')).attributes, { id: 'captcha', node_type: 'div' });
    for (const json of [text, img, a, s, div]) assertMatchesSchema('uiNode', json);
  });

  test('node messages serialize as uiTexts and the JSON is a copy', () => {
    const node = inputNode(UiNodeGroup.Default, 'traits.email', 'a@b', UiNodeInputType.Email);
    node.messages.push(validationRequired('email'));
    const json = nodeToJSON(node);
    assertMatchesSchema('uiNode', json);
    (json.messages as Array<{ text: string }>)[0].text = 'changed';
    assert.equal(node.messages[0].text, 'Property email is missing.');
  });

  test('nodeName and nodeValue read each variant', () => {
    assert.equal(nodeName(csrfNode('t')), 'csrf_token');
    assert.equal(nodeValue(csrfNode('t')), 't');
    assert.equal(nodeName(imageNode(UiNodeGroup.Totp, 'totp_qr', 'src')), 'totp_qr');
    assert.equal(nodeValue(imageNode(UiNodeGroup.Totp, 'totp_qr', 'src')), 'src');
    assert.equal(nodeValue(anchorNode(UiNodeGroup.Default, 'a', 'h', infoNodeLabelPassword())), 'h');
    assert.equal(nodeValue(divNode(UiNodeGroup.Default, 'd')), undefined);
  });
});
