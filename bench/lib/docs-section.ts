// Writes a benchmark's latest figures into its own `## ` section of docs/benchmarks.md, between
// markers, so the hand-written text of that section and every other section stay as they are.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const FILE_TITLE = '# Benchmarks\n\nFigures from `npm run bench` (see `bench/`). Each section belongs to one benchmark.\n';

export interface DocsSection {
  /** The section's heading line, e.g. `## Sessions: whoami and password login`. */
  heading: string;
  /** A marker id unique in the file; the generated block sits between `<!-- id:begin -->` and `<!-- id:end -->`. */
  markerId: string;
  /** Text placed under the heading when the section does not exist yet. */
  intro: string;
}

/** Replaces the generated block of `section` in `file` with `generated` (creating file, section or block as needed). */
export function updateDocsSection(file: string, section: DocsSection, generated: string): void {
  const begin = `<!-- ${section.markerId}:begin -->`;
  const end = `<!-- ${section.markerId}:end -->`;
  const block = `${begin}\n${generated.trim()}\n${end}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : FILE_TITLE;
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trimEnd() === section.heading);
  if (start === -1) {
    const sep = text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n';
    writeFileSync(file, `${text}${sep}${section.heading}\n\n${section.intro.trim()}\n\n${block}\n`);
    return;
  }
  let stop = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (stop === -1) stop = lines.length;
  const body = lines.slice(start + 1, stop).join('\n');
  const b = body.indexOf(begin);
  const e = body.indexOf(end);
  let newBody: string;
  if (b !== -1 && e > b) newBody = body.slice(0, b) + block + body.slice(e + end.length);
  else newBody = `${body.replace(/\n*$/, '')}\n\n${block}\n`;
  const out = [...lines.slice(0, start + 1), ...newBody.split('\n'), ...lines.slice(stop)].join('\n');
  writeFileSync(file, out);
}
