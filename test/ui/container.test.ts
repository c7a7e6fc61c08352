import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  errorInvalidCredentials,
  infoLoginWith,
  infoNodeLabelPassword,
  validationMinLength,
  validationRequired,
} from '../../src/text/index.js';
import {
  csrfNode,
  flattenJSON,
  imageNode,
  inputNode,
  loginSortOptions,
  nodeName,
  passwordNode,
  registrationSortOptions,
  sortNodes,
  UiContainer,
  UiNodeGroup,
  UiNodeInputType,
  type UiNode,
} from '../../src/ui/index.js';
import { assertMatchesSchema } from '../testkit/openapi.js';

const ACTION = 'https://id.example/self-service/login?flow=0b6e2fd4-1c1c-4d3a-9a43-1c0d3e1c2b71';

function form(): UiContainer {
  return new UiContainer(ACTION).add(
    csrfNode('tok'),
    inputNode(UiNodeGroup.Default, 'identifier', '', UiNodeInputType.Text, { required: true }),
    passwordNode('current-password'),
  );
}

function inputValue(c: UiContainer, name: string, group?: UiNodeGroup): unknown {
  const a = c.find(name, group)?.attributes;
  return a?.node_type === 'input' ? a.value : undefined;
}

const names = (c: UiContainer | UiNode[]) => (Array.isArray(c) ? c : c.nodes).map((n) => `${n.group}:${nodeName(n)}`);

describe('UiContainer', () => {
  test('toJSON is the uiContainer wire shape; messages are omitted until there is one', () => {
    const c = form();
    const json = c.toJSON();
    assertMatchesSchema('uiContainer', json);
    assert.deepEqual(Object.keys(json), ['action', 'method', 'nodes']);
    assert.equal(json.method, 'POST');
    c.addMessage(errorInvalidCredentials());
    const withMessage = c.toJSON();
    assertMatchesSchema('uiContainer', withMessage);
    assert.deepEqual(withMessage.messages?.map((m) => m.id), [4000006]);
  });

  test('addMessage: no name is a form message, a known name goes to that node', () => {
    const c = form();
    c.addMessage(validationRequired('identifier'), 'identifier');
    c.addMessage(errorInvalidCredentials(), '  ');
    assert.deepEqual(c.find('identifier')!.messages.map((m) => m.id), [4000002]);
    assert.deepEqual(c.messages.map((m) => m.id), [4000006]);
  });

  test('addMessage for a name no node has adds a default-group text input carrying it, as Kratos does', () => {
    const c = form();
    c.addMessage(validationMinLength(3, 1), 'traits.email', 'identifier');
    const carrier = c.find('traits.email')!;
    assert.equal(carrier.group, 'default');
    assert.deepEqual(carrier.attributes, { node_type: 'input', name: 'traits.email', type: 'text', disabled: false });
    assert.deepEqual(carrier.messages.map((m) => m.id), [4000003]);
    assert.deepEqual(c.find('identifier')!.messages.map((m) => m.id), [4000003]);
    assertMatchesSchema('uiContainer', c.toJSON());
  });

  test('upsert replaces by name in any group (Kratos SetNode), or only in the same group when asked', () => {
    const c = form();
    c.upsert(csrfNode('new'));
    assert.equal(c.nodes.length, 3);
    assert.equal(inputValue(c, 'csrf_token'), 'new');
    c.add(inputNode(UiNodeGroup.Password, 'traits.email', undefined, UiNodeInputType.Email));
    c.upsert(inputNode(UiNodeGroup.Default, 'traits.email', undefined, UiNodeInputType.Email));
    assert.deepEqual(names(c).filter((n) => n.endsWith('traits.email')), ['default:traits.email']);
    c.add(inputNode(UiNodeGroup.Password, 'method', 'password', UiNodeInputType.Submit));
    c.upsert(inputNode(UiNodeGroup.Code, 'method', 'code', UiNodeInputType.Submit), { sameGroup: true });
    assert.deepEqual(names(c).filter((n) => n.endsWith(':method')), ['password:method', 'code:method']);
    c.upsert(inputNode(UiNodeGroup.Code, 'method', 'code2', UiNodeInputType.Submit), { sameGroup: true });
    assert.equal(inputValue(c, 'method', UiNodeGroup.Code), 'code2');
    c.remove('method', UiNodeGroup.Code);
    assert.deepEqual(names(c).filter((n) => n.endsWith(':method')), ['password:method']);
    c.removeGroups(UiNodeGroup.Password);
    assert.deepEqual(names(c), ['default:csrf_token', 'default:identifier', 'default:traits.email']);
  });

  test('setValue and setValuesFromJSON set existing nodes only; arrays flatten to indexed names', () => {
    const c = new UiContainer(ACTION).add(
      inputNode(UiNodeGroup.Default, 'traits.email', undefined, UiNodeInputType.Email),
      inputNode(UiNodeGroup.Default, 'traits.name.first', undefined, UiNodeInputType.Text),
      inputNode(UiNodeGroup.Default, 'traits.emails', undefined, UiNodeInputType.Text),
      imageNode(UiNodeGroup.Totp, 'totp_qr', 'old'),
    );
    assert.equal(c.setValue('nope', 'x'), false);
    assert.equal(c.setValue('totp_qr', 'new'), true);
    c.setValuesFromJSON({ email: 'a@b.example', name: { first: 'Ada' }, emails: ['x@y.example'], unknown: 1 }, 'traits');
    const value = (n: string) => {
      const a = c.find(n)!.attributes;
      return a.node_type === 'input' ? a.value : a.node_type === 'img' ? a.src : undefined;
    };
    assert.equal(value('traits.email'), 'a@b.example');
    assert.equal(value('traits.name.first'), 'Ada');
    assert.equal(value('traits.emails'), undefined);
    assert.equal(value('totp_qr'), 'new');
    assert.equal(c.nodes.length, 4);
    assert.deepEqual(flattenJSON({ a: { 'b.c': [1, { d: null }] }, e: true }), { 'a.b\\.c.0': 1, 'a.b\\.c.1.d': null, e: true });
  });

  test('password values are cleared by unsetValue/resetValuesExcept and never serialized', () => {
    const c = form();
    c.setValue('identifier', 'ada@example.com');
    c.setValue('password', 'correct horse');
    assert.ok(!JSON.stringify(c).includes('correct horse'), 'JSON.stringify uses toJSON');
    c.unsetValue('password');
    assert.equal(c.find('password')!.attributes.node_type === 'input' && 'value' in c.find('password')!.attributes, false);
    c.setValue('password', 'again');
    c.resetValuesExcept(['csrf_token', 'identifier']);
    const attrs = c.toJSON().nodes.map((n) => n.attributes as Record<string, unknown>);
    assert.deepEqual(attrs.map((a) => a.value), ['tok', 'ada@example.com', undefined]);
  });

  test('reset clears messages and values but the excluded; resetMessages keeps excluded node messages', () => {
    const c = form();
    c.addMessage(errorInvalidCredentials());
    c.addMessage(validationRequired('identifier'), 'identifier');
    c.addMessage(validationRequired('password'), 'password');
    c.resetMessages(['identifier']);
    assert.deepEqual(c.messages, []);
    assert.equal(c.find('identifier')!.messages.length, 1);
    assert.equal(c.find('password')!.messages.length, 0);
    c.setValue('identifier', 'x');
    c.reset(['csrf_token']);
    assert.equal(c.find('identifier')!.messages.length, 0);
    const json = c.toJSON();
    assert.equal((json.nodes[0].attributes as { value?: string }).value, 'tok');
    assert.equal((json.nodes[1].attributes as { value?: string }).value, undefined);
  });

  test('fromJSON reads back what toJSON wrote, and clone is deep', () => {
    const c = form().add(inputNode(UiNodeGroup.Oidc, 'provider', 'github', UiNodeInputType.Submit, { label: infoLoginWith('GitHub', 'github') }));
    c.addMessage(errorInvalidCredentials());
    c.addMessage(validationRequired('identifier'), 'identifier');
    const stored = JSON.parse(JSON.stringify(c));
    const back = UiContainer.fromJSON(stored);
    assert.deepEqual(back.toJSON(), c.toJSON());
    back.setValue('identifier', 'changed');
    const copy = back.clone();
    copy.find('identifier')!.messages.push(errorInvalidCredentials());
    assert.equal(back.find('identifier')!.messages.length, 1);
    assert.throws(() => UiContainer.fromJSON({ action: 'x' }), TypeError);
    assert.throws(() => UiContainer.fromJSON({ action: 'x', method: 'POST', nodes: [{}] }), TypeError);
  });
});

describe('node ordering', () => {
  test('login: groups in Kratos order (unlisted first), csrf, identifier, password, method last, ties by value', () => {
    const nodes: UiNode[] = [
      inputNode(UiNodeGroup.Password, 'method', 'password', UiNodeInputType.Submit),
      passwordNode('current-password'),
      inputNode(UiNodeGroup.Totp, 'totp_code', undefined, UiNodeInputType.Text),
      inputNode(UiNodeGroup.Code, 'method', 'code', UiNodeInputType.Submit),
      inputNode(UiNodeGroup.Oidc, 'provider', 'google', UiNodeInputType.Submit),
      inputNode(UiNodeGroup.Default, 'identifier', '', UiNodeInputType.Text),
      inputNode(UiNodeGroup.Oidc, 'provider', 'github', UiNodeInputType.Submit),
      inputNode(UiNodeGroup.IdentifierFirst, 'identifier_first_hint', undefined, UiNodeInputType.Text),
      csrfNode('tok'),
    ];
    sortNodes(nodes, loginSortOptions());
    assert.deepEqual(names(nodes), [
      'identifier_first:identifier_first_hint',
      'oidc:provider',
      'oidc:provider',
      'default:csrf_token',
      'default:identifier',
      'code:method',
      'password:password',
      'password:method',
      'totp:totp_code',
    ]);
    assert.deepEqual(
      nodes.filter((n) => n.group === 'oidc').map((n) => (n.attributes.node_type === 'input' ? n.attributes.value : '')),
      ['github', 'google'],
    );
  });

  test('registration: csrf, the first trait, password, then the other traits in schema order', () => {
    const schemaKeys = ['traits.email', 'traits.name.first', 'traits.name.last', 'traits.age'];
    const nodes: UiNode[] = [
      inputNode(UiNodeGroup.Password, 'method', 'password', UiNodeInputType.Submit),
      inputNode(UiNodeGroup.Password, 'traits.age', undefined, UiNodeInputType.Number),
      inputNode(UiNodeGroup.Password, 'traits.name.last', undefined, UiNodeInputType.Text),
      passwordNode('new-password'),
      inputNode(UiNodeGroup.Password, 'traits.email', undefined, UiNodeInputType.Email),
      inputNode(UiNodeGroup.Password, 'traits.name.first', undefined, UiNodeInputType.Text),
      inputNode(UiNodeGroup.Profile, 'method', 'profile', UiNodeInputType.Submit),
      csrfNode('tok'),
    ];
    sortNodes(nodes, registrationSortOptions(schemaKeys));
    assert.deepEqual(names(nodes), [
      'default:csrf_token',
      'password:traits.email',
      'password:password',
      'password:traits.name.first',
      'password:traits.name.last',
      'password:traits.age',
      'password:method',
      'profile:method',
    ]);
  });

  test('a node matching no key sorts after the keyed ones; sorting is stable for equal values', () => {
    const c = new UiContainer(ACTION).add(
      inputNode(UiNodeGroup.Default, 'zeta', undefined, UiNodeInputType.Text, { label: infoNodeLabelPassword() }),
      inputNode(UiNodeGroup.Default, 'alpha', undefined, UiNodeInputType.Text),
      inputNode(UiNodeGroup.Default, 'identifier', '', UiNodeInputType.Text),
    );
    c.sort(loginSortOptions());
    assert.deepEqual(names(c), ['default:identifier', 'default:zeta', 'default:alpha']);
  });
});
