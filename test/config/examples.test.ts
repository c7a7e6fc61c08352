import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import { SchemaRegistry } from '../../src/schema/registry.js';

// The deployment examples under docs/examples/ are only ever run by users; these checks keep them
// loadable: the compose example's configuration with the environment its compose file sets, and
// the identity schema it mounts.

const example = (path: string) => fileURLToPath(new URL(`../../docs/examples/${path}`, import.meta.url));

test('the compose example configuration loads with the environment docker-compose.yml gives it', async () => {
  const compose = parse(readFileSync(example('compose/docker-compose.yml'), 'utf8')) as {
    'x-tessera': { environment: Record<string, string>; volumes: string[] };
    services: Record<string, { command?: string[] }>;
  };
  const env = compose['x-tessera'].environment;
  const config = await loadConfig({ files: [example('compose/tessera.yml')], env });
  assert.equal(config.values.dsn, env.DSN);
  assert.deepEqual(config.values.secrets.default, [env.SECRETS_DEFAULT]);
  assert.equal(config.values.courier.smtp.connection_uri, 'smtp://mailpit:1025/?disable_starttls=true');
  assert.ok(compose.services.mailpit, 'the SMTP host the config names is a service of the example');
  assert.ok(compose['x-tessera'].volumes.some((v) => v.endsWith(':/etc/tessera/identity.schema.json:ro')));
  assert.equal(config.values.identity.schemas[0]!.url, 'file:///etc/tessera/identity.schema.json');
  assert.deepEqual(compose.services.migrate!.command, ['migrate', 'sql', '-e', '--yes']);

  // The schema file the example mounts is a valid identity schema.
  const mounted = Buffer.from(readFileSync(example('compose/identity.schema.json'))).toString('base64');
  const schemas = new SchemaRegistry({ schemas: [{ id: 'default', url: `base64://${mounted}` }], defaultSchemaId: 'default' });
  await schemas.loadAll();
});

test('the Dockerfile runs the compiled build as a non-root user with a readiness health check', () => {
  const dockerfile = readFileSync(fileURLToPath(new URL('../../Dockerfile', import.meta.url)), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  assert.equal(stages.length, 2, 'builder and runtime stages');
  assert.match(stages[0]!, /RUN npm ci[^\n]*\n/);
  assert.match(stages[0]!, /npm run build/);
  const runtime = stages[1]!;
  assert.match(runtime, /^USER node$/m);
  assert.match(runtime, /HEALTHCHECK [^\n]*\\\n\s+CMD \[[^\]]*\/health\/ready/);
  assert.match(runtime, /ENTRYPOINT \["node", "bin\/tessera\.js"\]/);
  assert.match(runtime, /CMD \["serve"/);
  assert.doesNotMatch(runtime, /npm (ci|install)/, 'nothing is installed in the runtime stage');
});
