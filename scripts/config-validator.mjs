// Generates the configuration schema's validator ahead of time, as Ajv standalone code, so the
// compiled server does not compile its schema at every start. scripts/build.mjs writes the result to
// dist/config/config-validator.js; src/config/precompiled-validator.ts turns it into a function when
// a configuration is validated and lets it go afterwards (the code is large: some 800 KB for a
// schema of many objects, each checking its keys, with all errors reported). The test
// test/config/precompiled-validator.test.ts compares it with the validator compiled at run time.
//
// The text is a function expression of two parameters, the formats (src/config/formats.ts's
// configFormats) and Ajv's run-time helpers by name (ajv/dist/runtime/<name>), that returns the
// validate function.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

/** The Ajv run-time helpers the loader passes in (precompiled-validator.ts imports the same). */
export const RUNTIME_HELPERS = ['ucs2length', 'equal', 'uri'];

/** The schema, formats and Ajv options from the TypeScript sources, through a throwaway bundle. */
function loadSources(root, esbuild) {
  return loadModule(root, esbuild, 'src/config', "export { configSchema } from './schema.ts'; export { configFormats } from './formats.ts'; export { CONFIG_AJV_OPTIONS } from './validate.ts';");
}

/** What `contents` (TypeScript, resolved from `dir`) exports, through a throwaway bundle. */
async function loadModule(root, esbuild, dir, contents) {
  const { outputFiles } = await esbuild.build({
    stdin: {
      contents,
      resolveDir: join(root, dir),
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    logLevel: 'error',
    // validate.ts imports Ajv; it stays a package import (resolved next to the repository).
    packages: 'external',
  });
  const tmp = join(root, 'node_modules', '.cache', 'tessera-build');
  mkdirSync(tmp, { recursive: true });
  const file = join(tmp, `sources-${process.pid}-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, outputFiles[0].text);
  try {
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(file, { force: true });
  }
}

/** The generated function expression (see the top of this file). */
export async function configValidatorSource(root, esbuild) {
  const require = createRequire(join(root, 'package.json'));
  const { configSchema, configFormats, CONFIG_AJV_OPTIONS } = await loadSources(root, esbuild);
  const { Ajv, _ } = require('ajv');
  const ajv = new Ajv({ ...CONFIG_AJV_OPTIONS, code: { source: true, formats: _`__formats` } });
  for (const [name, format] of Object.entries(configFormats)) ajv.addFormat(name, format);
  return functionExpression(require, esbuild, ajv, ajv.compile(configSchema), 'config validator', 'src/config/schema.ts');
}

/**
 * JSON Schema draft-07's meta-schema validator, as identity schemas are checked against it
 * (src/schema/identity-schema.ts: the same Ajv options, the formats passed in at run time), so a
 * server does not compile the meta-schema at every start. Same shape as the configuration's.
 */
export async function draft07MetaValidatorSource(root, esbuild) {
  const require = createRequire(join(root, 'package.json'));
  const { IDENTITY_SCHEMA_AJV_OPTIONS, DRAFT_07_META_URI, addIdentityFormats } = await loadModule(
    root,
    esbuild,
    'src/schema',
    "export { IDENTITY_SCHEMA_AJV_OPTIONS, DRAFT_07_META_URI } from './ajv-options.ts'; export { addIdentityFormats } from './formats.ts';",
  );
  const { Ajv, _ } = require('ajv');
  const ajv = new Ajv({ ...IDENTITY_SCHEMA_AJV_OPTIONS, code: { source: true, formats: _`__formats` } });
  // The formats of the run-time instance, whose definitions (function, pattern, object) the code is
  // generated for; the instance's own are handed in when it runs.
  addIdentityFormats(ajv);
  return functionExpression(require, esbuild, ajv, ajv.getSchema(DRAFT_07_META_URI), 'draft-07 meta-schema validator', "JSON Schema draft-07's meta-schema");
}

async function functionExpression(require, esbuild, ajv, validate, what, from) {
  const standaloneCode = require('ajv/dist/standalone').default;
  let code = standaloneCode(ajv, validate);
  const exported = /^"use strict";\s*module\.exports = (\w+);\s*module\.exports\.default = \1;/.exec(code);
  if (!exported) throw new Error(`${what}: unexpected shape of Ajv standalone code`);
  code = code.slice(exported[0].length);
  code = code.replace(/require\("ajv\/dist\/runtime\/(\w+)"\)\.default/g, (_m, name) => {
    if (!RUNTIME_HELPERS.includes(name)) throw new Error(`${what}: Ajv helper ${name} is not passed in (RUNTIME_HELPERS, precompiled-validator.ts)`);
    return `__runtime.${name}`;
  });
  if (/\brequire\(/.test(code.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) throw new Error(`${what}: unexpected require() left in the standalone code`);
  // Minified (the text is parsed at every start), as a function expression.
  const source = `export default function (__formats, __runtime) {\n"use strict";\n${code}\nreturn ${exported[1]};\n}\n`;
  const minified = (await esbuild.transform(source, { minify: true, loader: 'js', format: 'esm', charset: 'ascii', target: 'node20' })).code;
  const fn = /^(function\s*\w*\s*\([\s\S]*\})\s*export\s*\{\s*\w+ as default\s*\};?\s*$/.exec(minified);
  if (!fn) throw new Error(`${what}: unexpected shape of the minified code: ${minified.slice(0, 80)} ... ${minified.slice(-80)}`);
  return `// Generated by scripts/config-validator.mjs from ${from}: do not edit.\n(${fn[1]})\n`;
}

/** What a configuration looks like at its smallest, to warm the validator up before its code is cached. */
const SAMPLE_CONFIG = {
  dsn: 'sqlite:///var/lib/tessera/db.sqlite',
  serve: { public: { base_url: 'https://auth.example.com/' }, admin: { base_url: 'https://admin.example.com/' } },
  identity: { default_schema_id: 'default', schemas: [{ id: 'default', url: 'file:///etc/tessera/identity.schema.json' }] },
  selfservice: { default_browser_return_url: 'https://app.example.com/' },
  secrets: { default: ['a-very-long-secret-value'] },
  courier: { smtp: { connection_uri: 'smtp://mail.example.com:25/' } },
};

/** A draft-07 identity schema as most are, for the same purpose. */
const SAMPLE_IDENTITY_SCHEMA = {
  $id: 'https://example.com/identity.schema.json',
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: { email: { type: 'string', format: 'email', minLength: 3, 'ory.sh/kratos': { credentials: { password: { identifier: true } } } } },
      required: ['email'],
      additionalProperties: false,
    },
  },
};

/**
 * V8's code cache for a generated validator, made after validating samples so that the functions a
 * start-up's validation calls are compiled in it (src/lib/precompiled-ajv.ts reads it beside the
 * validator). Only the Node that made it can use it; any other compiles the source as usual.
 */
async function codeCache(root, source, formats, samples) {
  const require = createRequire(join(root, 'package.json'));
  const runtime = Object.fromEntries(RUNTIME_HELPERS.map((name) => [name, require(`ajv/dist/runtime/${name}`).default]));
  const script = new Script(source, { filename: 'validator.js' });
  const validate = script.runInThisContext()(formats, runtime);
  for (const sample of samples) validate(structuredClone(sample));
  return script.createCachedData();
}

export async function configValidatorCodeCache(root, esbuild, source) {
  const { configFormats } = await loadSources(root, esbuild);
  return codeCache(root, source, configFormats, [SAMPLE_CONFIG]);
}

export async function draft07MetaValidatorCodeCache(root, esbuild, source) {
  const require = createRequire(join(root, 'package.json'));
  const { IDENTITY_SCHEMA_AJV_OPTIONS, addIdentityFormats } = await loadModule(
    root,
    esbuild,
    'src/schema',
    "export { IDENTITY_SCHEMA_AJV_OPTIONS } from './ajv-options.ts'; export { addIdentityFormats } from './formats.ts';",
  );
  const { Ajv } = require('ajv');
  const ajv = new Ajv({ ...IDENTITY_SCHEMA_AJV_OPTIONS });
  addIdentityFormats(ajv);
  return codeCache(root, source, ajv.formats, [SAMPLE_IDENTITY_SCHEMA]);
}
