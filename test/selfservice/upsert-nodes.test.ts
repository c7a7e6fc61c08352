import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { upsertNodes, type UiNodeJson } from '../../src/selfservice/flow/ui-json.js';

const input = (group: string, name: string, type = 'text', value?: unknown): UiNodeJson => ({
  type: 'input',
  group,
  attributes: { node_type: 'input', name, type, ...(value !== undefined ? { value } : {}) },
  messages: [],
  meta: {},
});
const brief = (nodes: UiNodeJson[]) => nodes.map((n) => `${n.group}:${n.attributes.name}:${n.attributes.type}${n.attributes.value !== undefined ? `=${String(n.attributes.value)}` : ''}`);

describe('upsertNodes', () => {
  it('lets a later input of the same name take the earlier one\'s place, whatever its group', () => {
    const merged = upsertNodes([
      input('password', 'traits.email', 'email'),
      input('password', 'password', 'password'),
      input('password', 'method', 'submit', 'password'),
      input('default', 'traits.email', 'email'),
      input('code', 'method', 'submit', 'code'),
    ]);
    assert.deepEqual(brief(merged), ['default:traits.email:email', 'password:password:password', 'password:method:submit=password', 'code:method:submit=code']);
  });

  it('keeps every button and every node that is not a named input', () => {
    const text: UiNodeJson = { type: 'text', group: 'default', attributes: { node_type: 'text', id: 'x' } as never, messages: [], meta: {} };
    const merged = upsertNodes([input('a', 'method', 'submit', 'a'), input('b', 'method', 'submit', 'b'), text, text]);
    assert.equal(merged.length, 4);
  });
});
