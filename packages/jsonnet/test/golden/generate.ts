// Regenerates reference.json: every differential program (corpus.ts) evaluated by the reference C++
// implementation. Run `npm run golden:jsonnet` after changing the corpus; it installs the reference
// addon on demand (cmake and a C++ compiler needed only here).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generated, handWritten } from '../corpus.js';
import { REFERENCE_ADDON, loadReferenceAddon } from '../reference-addon.js';
import { GOLDEN_COUNT, claims, ctx, goldenPath, type GoldenCase, type GoldenFile } from '../reference-inputs.js';

const Jsonnet = loadReferenceAddon();
const cases: GoldenCase[] = [];
for (const code of [...handWritten, ...generated(GOLDEN_COUNT)]) {
  try {
    cases.push({ code, output: await new Jsonnet().extCode('ctx', ctx).extCode('claims', claims).tlaCode('ctx', ctx).evaluateSnippet(code) });
  } catch (e) {
    cases.push({ code, error: (e as Error).message.split('\n')[0] });
  }
}
const file: GoldenFile = { reference: `${REFERENCE_ADDON} (jsonnet 0.20)`, cases };
writeFileSync(goldenPath, JSON.stringify(file, null, 1) + '\n');
console.log(`wrote ${cases.length} cases to ${fileURLToPath(goldenPath)}`);
