// The engine packages' READMEs are their documentation: every ```js block must run as written,
// against the built package imported by its name (as an installer of the package would), and print
// exactly the ```text block that follows it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const consumer = mkdtempSync(join(tmpdir(), 'tessera-readme-'));
after(() => rmSync(consumer, { recursive: true, force: true }));
mkdirSync(join(consumer, 'node_modules', '@tessera'), { recursive: true });
writeFileSync(join(consumer, 'package.json'), JSON.stringify({ type: 'module', private: true }));

interface Example {
  line: number;
  code: string;
  prints?: string;
}

function examples(readme: string): Example[] {
  const out: Example[] = [];
  const blocks = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```\n/gm)];
  blocks.forEach((m, i) => {
    if (m[1] !== 'js') return;
    const next = blocks[i + 1];
    const between = next ? readme.slice(m.index! + m[0].length, next.index) : '';
    out.push({
      line: readme.slice(0, m.index).split('\n').length,
      code: m[2]!,
      prints: next && next[1] === 'text' && between.trim() === '' ? next[2] : undefined,
    });
  });
  return out;
}

for (const pkg of ['gotemplate', 'jsonnet']) {
  const dir = join(root, 'packages', pkg);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  symlinkSync(dir, join(consumer, 'node_modules', '@tessera', pkg), 'dir');

  describe(`${manifest.name} README`, () => {
    test('the package could be published as it is', () => {
      assert.equal(manifest.name, `@tessera/${pkg}`);
      assert.match(manifest.version, /^\d+\.\d+\.\d+$/);
      assert.equal(manifest.license, 'Apache-2.0');
      assert.deepEqual(manifest.files, ['dist', 'README.md']);
      assert.equal(manifest.exports['.'].default, './dist/index.js');
      assert.equal(manifest.exports['.'].types, './dist/index.d.ts');
      assert.ok(manifest.engines.node);
      assert.equal(manifest.private, undefined);
    });

    const found = examples(readFileSync(join(dir, 'README.md'), 'utf8'));
    test('has runnable examples', () => assert.ok(found.length > 0 && found.every((e) => e.prints !== undefined), 'every js example is followed by what it prints'));
    for (const ex of found) {
      test(`the example at README.md line ${ex.line} runs and prints what the README says`, () => {
        const file = join(consumer, `${pkg}-${ex.line}.mjs`);
        writeFileSync(file, ex.code);
        // Plain node, no TypeScript loader and no source condition: the compiled package as published.
        const res = spawnSync(process.execPath, [file], { cwd: consumer, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '' } });
        assert.equal(res.status, 0, res.stderr);
        assert.equal(res.stdout, ex.prints);
      });
    }
  });
}
