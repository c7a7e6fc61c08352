import { readFileSync } from 'node:fs';

/** The package version, read once. package.json is two levels up from src/lib/ and from the build's dist/cli/ and dist/chunks/. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
