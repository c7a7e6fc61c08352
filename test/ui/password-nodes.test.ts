import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { DEV_IDENTITY_SCHEMA } from '../../src/config/dev.js';
import { errorInvalidCredentials } from '../../src/text/index.js';
import {
  loginSortOptions,
  passwordLoginNodes,
  passwordLoginRefreshNodes,
  passwordRegistrationNodes,
  profileRegistrationNodes,
  registrationBackNode,
  registrationSortOptions,
  schemaKeysInOrder,
  splitRegistrationSteps,
  csrfNode,
  nodeName,
  sortNodes,
  type SortNodesOptions,
  type UiNode,
} from '../../src/ui/index.js';
import { toJson, ui, type UiContainerJson } from '../../src/selfservice/flow/ui-json.js';
import { assertMatchesSchema } from '../testkit/openapi.js';

/**
 * Nodes as the flows merge what several methods contribute: a method's submit button is added,
 * any other node replaces the node of that name (a trait moves into the later method's group).
 */
function merge(...contributions: UiNode[][]): UiNode[] {
  const out: UiNode[] = [];
  for (const nodes of contributions) {
    for (const n of nodes) {
      const i = n.attributes.node_type === 'input' && n.attributes.name === 'method' ? -1 : out.findIndex((x) => nodeName(x) === nodeName(n));
      if (i >= 0) out[i] = n;
      else out.push(n);
    }
  }
  return out;
}

/** The `ui` container a flow returns for these nodes, with the CSRF token, sorted. */
function form(action: string, nodes: UiNode[], csrf: string | null, order?: SortNodesOptions): UiContainerJson {
  const all = csrf === null ? nodes : [csrfNode(csrf), ...nodes];
  return { action, method: 'POST', nodes: (order ? sortNodes(all, order) : all).map(toJson) };
}

const usernameSchema = JSON.parse(readFileSync(new URL('../fixtures/username.schema.json', import.meta.url), 'utf8'));

/** `group name type [value] [required] [autocomplete] label-id` per node. */
function rows(c: UiContainerJson): string[] {
  return c.nodes.map((n) => {
    const a = n.attributes as Record<string, unknown>;
    const label = (n.meta as { label?: { id: number } }).label?.id;
    return [
      n.group,
      a.name,
      a.type,
      a.value !== undefined ? `=${JSON.stringify(a.value)}` : '',
      a.required ? 'required' : '',
      a.autocomplete ?? '',
      label ?? '-',
    ]
      .filter((s) => s !== '')
      .join(' ');
  });
}

function loginForm(schema: unknown): UiContainerJson {
  return form('https://id.example/self-service/login?flow=f1', merge(passwordLoginNodes(schema)), 'csrf==', loginSortOptions());
}

describe('password strategy nodes', () => {
  test('login: csrf, identifier labelled with the identifier title, password, "Sign in with password"', () => {
    const c = loginForm(DEV_IDENTITY_SCHEMA);
    assert.deepEqual(rows(c), [
      'default csrf_token hidden ="csrf==" required -',
      'default identifier text ="" required 1070002',
      'password password password required current-password 1070001',
      'password method submit ="password" 1010022',
    ]);
    const json = c;
    assertMatchesSchema('uiContainer', json);
    assert.deepEqual((json.nodes[1]!.meta as { label: unknown }).label, {
      id: 1070002,
      text: 'E-Mail',
      type: 'info',
      context: { name: 'traits.email', title: 'E-Mail' },
    });
    assert.deepEqual((json.nodes[3]!.meta as { label: unknown }).label, { id: 1010022, text: 'Sign in with password', type: 'info' });
  });

  test('login with several or untitled identifiers labels the identifier "ID"', () => {
    const c = loginForm(usernameSchema);
    assert.equal(rows(c)[1], 'default identifier text ="" required 1070004');
  });

  test('a failed login keeps the identifier, drops the password and shows the error', () => {
    const json = loginForm(DEV_IDENTITY_SCHEMA);
    ui.fillValues(json, { identifier: 'ada@example.com', password: 'wrong password' });
    ui.clearSecrets(json);
    ui.addMessage(json, errorInvalidCredentials());
    assertMatchesSchema('uiContainer', json);
    assert.ok(!JSON.stringify(json).includes('wrong password'));
    assert.equal((json.nodes[1]!.attributes as { value: string }).value, 'ada@example.com');
    assert.deepEqual(json.messages?.map((m) => m.id), [4000006]);
  });

  test('refresh login: the identifier is hidden and filled; the button says "Sign in" (1010001)', () => {
    const c = form('https://id.example/self-service/login?flow=f2', passwordLoginRefreshNodes('ada@example.com'), 't', loginSortOptions());
    assert.deepEqual(rows(c), [
      'default csrf_token hidden ="t" required -',
      'default identifier hidden ="ada@example.com" -',
      'password password password required current-password 1070001',
      'password method submit ="password" 1010001',
    ]);
    assertMatchesSchema('uiContainer', c);
  });

  test('one-step registration: traits in the password group around the password, "Sign up" (1040001)', () => {
    const c = form('https://id.example/self-service/registration?flow=r1', merge(passwordRegistrationNodes(DEV_IDENTITY_SCHEMA)), 't', registrationSortOptions(schemaKeysInOrder(DEV_IDENTITY_SCHEMA)));
    assert.deepEqual(rows(c), [
      'default csrf_token hidden ="t" required -',
      'password traits.email email required email 1070002',
      'password password password required new-password 1070001',
      'password traits.name.first text 1070002',
      'password traits.name.last text 1070002',
      'password method submit ="password" 1040001',
    ]);
    assertMatchesSchema('uiContainer', c);
  });

  test('two-step registration (v1.3 default): profile traits replace the password ones; steps split by group', () => {
    // Methods contribute password first, then profile.
    const nodes = sortNodes(
      [csrfNode('t'), ...merge(passwordRegistrationNodes(DEV_IDENTITY_SCHEMA), profileRegistrationNodes(DEV_IDENTITY_SCHEMA, { values: { email: 'ada@example.com' } }))],
      registrationSortOptions(schemaKeysInOrder(DEV_IDENTITY_SCHEMA)),
    );
    const c = form('https://id.example/self-service/registration?flow=r2', nodes, null);
    assert.deepEqual(rows(c), [
      'default csrf_token hidden ="t" required -',
      'default traits.email email ="ada@example.com" required email 1070002',
      'default traits.name.first text 1070002',
      'default traits.name.last text 1070002',
      'password password password required new-password 1070001',
      'password method submit ="password" 1040001',
      'profile method submit ="profile" 1040001',
    ]);
    const { stepOne, stepTwo } = splitRegistrationSteps(nodes);
    const first = form(c.action, stepOne, null);
    assert.deepEqual(rows(first).map((r) => r.split(' ').slice(0, 2).join(' ')), [
      'default csrf_token',
      'default traits.email',
      'default traits.name.first',
      'default traits.name.last',
      'profile method',
    ]);
    const second = form(c.action, [...stepTwo, registrationBackNode()], null);
    assert.deepEqual(rows(second), [
      'password password password required new-password 1070001',
      'password method submit ="password" 1040001',
      'profile screen submit ="previous" 1040008',
    ]);
    assertMatchesSchema('uiContainer', first);
    assertMatchesSchema('uiContainer', second);
  });
});
