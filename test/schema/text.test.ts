import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { kratosReference, skipWithoutKratosReference } from '../testkit/reference.js';
import * as text from '../../src/schema/text.js';
import { goFloat, goQuote, goSharpV } from '../../src/text/go-format.js';

// The message catalogue clients know: id -> text template with {placeholders}.
const catalogue = new Map<number, string>();
const skip = skipWithoutKratosReference('ui-text-messages.tsv', 'the validation texts checked against the catalogue');
const tsv = skip ? '' : readFileSync(kratosReference('ui-text-messages.tsv'), 'utf8');
for (const line of tsv.split('\n').slice(1)) {
  const [id, , , template] = line.split('\t');
  if (id) catalogue.set(Number(id), template ?? '');
}

/** Fills a catalogue template from a message's context the way the catalogue documents it. */
function render(template: string, context: Record<string, unknown> = {}): string {
  return template.replace(/\{([a-z_]+)\}/g, (_, key: string) => {
    if (key === 'allowed_types_joined_with_or') return (context['allowed_types'] as string[]).join(' or ');
    const v = context[key];
    if (key === 'pattern') return String(v); // the template carries its own quotes
    return typeof v === 'number' ? goFloat(v) : String(v);
  });
}

describe('validation texts', { skip }, () => {
  const cases: Array<[string, text.UiText]> = [
    ['generic', text.validationGeneric('something is off')],
    ['required', text.validationRequired('email')],
    ['minLength', text.validationMinLength(8, 3)],
    ['maxLength', text.validationMaxLength(8, 30)],
    ['minimum', text.validationMinimum(1.5, 0)],
    ['exclusiveMinimum', text.validationExclusiveMinimum(0, -1)],
    ['maximum', text.validationMaximum(10, 11)],
    ['exclusiveMaximum', text.validationExclusiveMaximum(10, 10)],
    ['multipleOf', text.validationMultipleOf(3, 10)],
    ['maxItems', text.validationMaxItems(2, 3)],
    ['minItems', text.validationMinItems(2, 1)],
    ['uniqueItems', text.validationUniqueItems(0, 2)],
    ['wrongType', text.validationWrongType(['string', 'null'], 'number')],
    ['const', text.validationConst('"gold"')],
    ['constGeneric', text.validationConstGeneric()],
  ];
  for (const [name, message] of cases) {
    test(`${name} (${message.id}) renders its catalogue template`, () => {
      const template = catalogue.get(message.id);
      assert.ok(template !== undefined, `id ${message.id} is in the catalogue`);
      assert.equal(message.type, 'error');
      assert.equal(message.text, render(template, message.context));
    });
  }

  test('pattern (4000004) quotes the pattern as Go does', () => {
    const m = text.validationInvalidFormat('^[a-z]+\\d$');
    assert.equal(m.id, 4000004);
    assert.equal(m.text, 'does not match pattern "^[a-z]+\\\\d$"');
    assert.deepEqual(m.context, { pattern: '^[a-z]+\\d$' });
  });
});

describe('Go value formatting', () => {
  test('%v of float64', () => {
    assert.deepEqual([0, 1, -2, 0.5, 123456, 1e6, 1234567, 0.0001, 0.00001, 1.5e300].map(goFloat), ['0', '1', '-2', '0.5', '123456', '1e+06', '1.234567e+06', '0.0001', '1e-05', '1.5e+300']);
  });

  test('%q of strings', () => {
    assert.equal(goQuote('plain'), '"plain"');
    assert.equal(goQuote('a"b\\c\n\t\x01\x7f'), '"a\\"b\\\\c\\n\\t\\x01\\x7f"');
    assert.equal(goQuote('ünïcode ✓'), '"ünïcode ✓"');
  });

  test('%#v of JSON primitives', () => {
    assert.deepEqual(['x', 2, true, null].map(goSharpV), ['"x"', '2', 'true', '<nil>']);
  });
});
