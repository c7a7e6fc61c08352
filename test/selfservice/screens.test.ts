import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { carriedFields, csrfNodes, screenNodes, splitScreens, storedScreen } from '../../src/selfservice/flow/screens.js';
import { toJson, type UiNodeJson } from '../../src/selfservice/flow/ui-json.js';
import { inputNode } from '../../src/ui/node.js';

const csrf = toJson(inputNode('default', 'csrf_token', 'tok', 'hidden', { required: true }));
const email = toJson(inputNode('default', 'traits.email', 'ada@example.com', 'email', { required: true }));
const profileButton = toJson(inputNode('profile', 'method', 'profile', 'submit'));
const provider = toJson(inputNode('oidc', 'provider', 'corp', 'submit'));
const password = toJson(inputNode('password', 'password', undefined, 'password', { required: true }));
const passwordButton = toJson(inputNode('password', 'method', 'password', 'submit'));
const names = (nodes: UiNodeJson[]) => nodes.map((n) => `${n.group}:${n.attributes.name}:${n.attributes.type}`);

describe('screens of a form in several screens', () => {
  test('a form splits by group: the first screen keeps the groups named, the rest is the second', () => {
    const { first, second } = splitScreens([csrf, email, password, passwordButton, profileButton, provider], new Set(['default', 'profile', 'oidc']));
    assert.deepEqual(names(first), ['default:csrf_token:hidden', 'default:traits.email:email', 'profile:method:submit', 'oidc:provider:submit']);
    assert.deepEqual(names(second), ['password:password:password', 'password:method:submit']);
  });

  test('typed fields ride along hidden, without their messages; buttons and the CSRF node do not', () => {
    const withMessage = structuredClone(email);
    withMessage.messages = [{ id: 4000001, text: 'x', type: 'error' }];
    const carried = carriedFields([csrf, withMessage, profileButton, provider]);
    assert.deepEqual(names(carried), ['default:traits.email:hidden']);
    assert.deepEqual(carried[0]!.messages, []);
    assert.equal(carried[0]!.attributes.value, 'ada@example.com');
    assert.equal(withMessage.attributes.type, 'email', 'the original is untouched');
  });

  test('a screen is the CSRF node on show, then the parts merged by name; stored screens leave it out', () => {
    const shown = screenNodes(csrfNodes([csrf, email]), storedScreen([csrf, email, profileButton]), [toJson(inputNode('default', 'traits.email', 'b@example.com', 'hidden'))], [passwordButton]);
    assert.deepEqual(names(shown), ['default:csrf_token:hidden', 'default:traits.email:hidden', 'profile:method:submit', 'password:method:submit']);
    assert.equal(shown.filter((n) => n.attributes.name === 'csrf_token').length, 1);
  });
});
