// Reads Kratos's UI text catalogue (../shared/reference/kratos/ui-text-messages.tsv beside the
// checkout; TESSERA_KRATOS_UI_TEXT overrides), the reference the text builders are checked against.
import { readFileSync } from 'node:fs';
import { kratosReference } from '../testkit/reference.js';

export interface CatalogueRow {
  id: number;
  constant: string;
  type: string;
  textTemplate: string;
  contextKeys: string[];
  constructor: string;
}

/** Where the catalogue lives; `TESSERA_KRATOS_UI_TEXT` overrides. */
export function uiTextCataloguePath(): string {
  const fromEnv = process.env.TESSERA_KRATOS_UI_TEXT;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return kratosReference('ui-text-messages.tsv');
}

export function readCatalogue(): CatalogueRow[] {
  const [header, ...lines] = readFileSync(uiTextCataloguePath(), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const columns = header.split('\t');
  const col = (name: string): number => {
    const i = columns.indexOf(name);
    if (i < 0) throw new Error(`catalogue has no column ${name}`);
    return i;
  };
  const [id, constant, type, template, keys, ctor] = ['id', 'constant', 'type', 'text_template', 'context_keys', 'go_constructor'].map(col);
  return lines.map((line) => {
    const cells = line.split('\t');
    return {
      id: Number(cells[id]),
      constant: cells[constant],
      type: cells[type],
      textTemplate: cells[template] ?? '',
      contextKeys: (cells[keys] ?? '').split(',').filter((k) => k !== ''),
      constructor: cells[ctor] ?? '',
    };
  });
}

/**
 * Fills a catalogue template: `{name}` takes `values[name]`; a `[...]` part is kept (without the
 * brackets) only when every placeholder in it has a value, as the catalogue marks optional parts.
 */
export function renderTemplate(template: string, values: Record<string, string>): string {
  const withOptional = template.replace(/\[([^\]]*)\]/g, (_, part: string) => {
    const names = [...part.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    return names.every((n) => n in values) ? part : '';
  });
  return withOptional.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!(name in values)) throw new Error(`no value for ${whole} in ${template}`);
    return values[name];
  });
}
