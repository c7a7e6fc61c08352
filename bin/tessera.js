#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, or by `npm install` in a checkout through
// `prepare`). `npm run dev` runs the TypeScript sources instead.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('tessera: dist/ is missing: run `npm run build` first (or `npm run dev` to run the TypeScript sources)');
  process.exit(1);
}
await import(main.href);
