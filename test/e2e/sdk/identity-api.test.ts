// The admin API driven only through @ory/client's IdentityApi (and the schema endpoints through
// both APIs), on every test database.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Configuration, IdentityApi } from '@ory/client';
import type { Identity } from '@ory/client';
import { testDatabases, type TestDatabase } from '../../testkit/databases.js';
import { startTestServer, type TestServer } from '../../testkit/server.js';
import { GOOD_PASSWORD, fails, nextPageToken, ok, sdkClients, sdkServerConfig, uniqueEmail, type SdkClients } from './sdk-kit.js';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

for (const factory of testDatabases()) {
  describe(`@ory/client IdentityApi on ${factory.name}`, () => {
    let db: TestDatabase;
    let s: TestServer;
    let sdk: SdkClients;
    before(async () => {
      db = await factory.create();
      s = await startTestServer({ dsn: db.dsn, config: sdkServerConfig() });
      sdk = sdkClients(s);
    });
    after(async () => {
      await s?.close();
      await db?.drop();
    });

    test('createIdentity with a password, then getIdentity with and without credentials', async () => {
      const email = uniqueEmail('create');
      const created = await ok(
        sdk.identity.createIdentity({
          createIdentityBody: {
            schema_id: 'default',
            traits: { email, name: { first: 'Ada', last: 'Lovelace' } },
            metadata_public: { plan: 'free' },
            metadata_admin: { note: 'vip' },
            credentials: { password: { config: { password: GOOD_PASSWORD } } },
          },
        }),
        'admin',
      );
      assert.equal(created.status, 201);
      const identity: Identity = created.data;
      assert.equal(identity.schema_id, 'default');
      assert.equal(identity.state, 'active');
      assert.deepEqual(identity.traits, { email, name: { first: 'Ada', last: 'Lovelace' } });
      assert.deepEqual(identity.metadata_public, { plan: 'free' });
      assert.deepEqual(identity.metadata_admin, { note: 'vip' });
      assert.deepEqual(identity.credentials?.password?.identifiers, [email]);
      assert.equal(identity.credentials?.password?.config, undefined, 'no hash in a response');

      const got = await ok(sdk.identity.getIdentity({ id: identity.id }), 'admin');
      assert.equal(got.status, 200);
      assert.equal(got.data.id, identity.id);
      assert.deepEqual(got.data.traits, identity.traits);
      assert.equal(got.data.credentials?.password?.config, undefined);
      assert.equal(got.data.verifiable_addresses?.[0]?.value, email);
      assert.equal(got.data.recovery_addresses?.[0]?.value, email);

      const declassified = await ok(sdk.identity.getIdentity({ id: identity.id, includeCredential: ['password'] }), 'admin');
      const config = declassified.data.credentials?.password?.config as { hashed_password?: string } | undefined;
      assert.match(config?.hashed_password ?? '', /^\$argon2id\$/);

      const missing = await fails(sdk.identity.getIdentity({ id: UNKNOWN_ID }), 404, 'admin');
      assert.equal(missing.data.error.code, 404);
    });

    test('createIdentity refuses invalid traits and a taken identifier', async () => {
      const invalid = await fails(sdk.identity.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: 'not an email' } } }), 400, 'admin');
      assert.equal(invalid.data.error.code, 400);
      const email = uniqueEmail('taken');
      await ok(sdk.identity.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email }, credentials: { password: { config: { password: GOOD_PASSWORD } } } } }), 'admin');
      const taken = await fails(
        sdk.identity.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email }, credentials: { password: { config: { password: GOOD_PASSWORD } } } } }),
        409,
        'admin',
      );
      assert.equal(taken.data.error.code, 409);
    });

    test('listIdentities pages through every identity with page tokens and filters by identifier and ids', async () => {
      const prefix = `page-${Date.now().toString(36)}`;
      const mine = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const res = await ok(sdk.identity.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: uniqueEmail(prefix) } } }), 'admin');
        mine.add(res.data.id);
      }

      const seen: string[] = [];
      let pageToken: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const res = await ok(sdk.identity.listIdentities({ pageSize: 2, pageToken }), 'admin');
        assert.equal(res.status, 200);
        assert.ok(res.data.length <= 2);
        seen.push(...res.data.map((i) => i.id));
        pageToken = nextPageToken(res);
        if (pageToken === undefined) break;
      }
      assert.equal(pageToken, undefined, 'the listing ends');
      assert.equal(new Set(seen).size, seen.length, 'no identity appears twice');
      for (const id of mine) assert.ok(seen.includes(id), `${id} is listed`);

      const first = [...mine][0]!;
      const firstEmail = (await ok(sdk.identity.getIdentity({ id: first }), 'admin')).data.traits.email as string;
      // As in Kratos, the schema's identifier makes a password credential even without a password.
      const byIdentifier = await ok(sdk.identity.listIdentities({ credentialsIdentifier: firstEmail }), 'admin');
      assert.deepEqual(byIdentifier.data.map((i) => i.id), [first]);

      const two = [...mine].slice(0, 2);
      const byIds = await ok(sdk.identity.listIdentities({ ids: two }), 'admin');
      assert.deepEqual(byIds.data.map((i) => i.id).sort(), [...two].sort());
    });

    test('patchIdentity applies a JSON Patch; a patch that breaks the schema is refused', async () => {
      const created = await ok(sdk.identity.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: uniqueEmail('patch') } } }), 'admin');
      const id = created.data.id;
      const patched = await ok(
        sdk.identity.patchIdentity({
          id,
          jsonPatch: [
            { op: 'add', path: '/traits/name', value: { first: 'Grace' } },
            { op: 'replace', path: '/state', value: 'inactive' },
            { op: 'add', path: '/metadata_public', value: { tier: 2 } },
          ],
        }),
        'admin',
      );
      assert.equal(patched.status, 200);
      assert.deepEqual(patched.data.traits.name, { first: 'Grace' });
      assert.equal(patched.data.state, 'inactive');
      assert.deepEqual(patched.data.metadata_public, { tier: 2 });
      const reread = await ok(sdk.identity.getIdentity({ id }), 'admin');
      assert.equal(reread.data.state, 'inactive');
      assert.deepEqual(reread.data.traits.name, { first: 'Grace' });

      await fails(sdk.identity.patchIdentity({ id, jsonPatch: [{ op: 'replace', path: '/traits/email', value: 'nope' }] }), 400, 'admin');
      await fails(sdk.identity.patchIdentity({ id: UNKNOWN_ID, jsonPatch: [{ op: 'replace', path: '/state', value: 'active' }] }), 404, 'admin');
      assert.equal((await ok(sdk.identity.getIdentity({ id }), 'admin')).data.traits.email, created.data.traits.email, 'a refused patch changes nothing');
    });

    test('updateIdentity replaces traits and the password; getIdentityByExternalID finds it', async () => {
      const email = uniqueEmail('update');
      const externalId = `ext-${email}`;
      const created = await ok(
        sdk.identity.createIdentity({ createIdentityBody: { schema_id: 'default', external_id: externalId, traits: { email }, credentials: { password: { config: { password: GOOD_PASSWORD } } } } }),
        'admin',
      );
      const byExternal = await ok(sdk.identity.getIdentityByExternalID({ externalID: externalId }), 'admin');
      assert.equal(byExternal.data.id, created.data.id);
      await fails(sdk.identity.getIdentityByExternalID({ externalID: 'no-such-external-id' }), 404, 'admin');

      const newEmail = uniqueEmail('updated');
      const newPassword = 'an entirely new passphrase 7';
      const updated = await ok(
        sdk.identity.updateIdentity({
          id: created.data.id,
          updateIdentityBody: { schema_id: 'default', state: 'active', traits: { email: newEmail, age: 36 }, credentials: { password: { config: { password: newPassword } } } },
        }),
        'admin',
      );
      assert.deepEqual(updated.data.traits, { email: newEmail, age: 36 });
      assert.deepEqual(updated.data.credentials?.password?.identifiers, [newEmail]);

      const attempt = async (identifier: string, password: string) => {
        const flow = await ok(sdk.frontend.createNativeLoginFlow(), 'public');
        return sdk.frontend.updateLoginFlow({ flow: flow.data.id, updateLoginFlowBody: { method: 'password', identifier, password } });
      };
      const login = await ok(attempt(newEmail, newPassword), 'public');
      assert.equal(login.data.session.identity?.id, created.data.id);
      await fails(attempt(newEmail, GOOD_PASSWORD), 400, 'public');
      await fails(attempt(email, newPassword), 400, 'public');
    });

    test('deleteIdentityCredentials refuses to remove the only password and a missing type', async () => {
      const email = uniqueEmail('creds');
      const created = await ok(
        sdk.identity.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email }, credentials: { password: { config: { password: GOOD_PASSWORD } } } } }),
        'admin',
      );
      const refused = await fails(sdk.identity.deleteIdentityCredentials({ id: created.data.id, type: 'password' }), 400, 'admin');
      assert.equal(refused.data.error.code, 400);
      await fails(sdk.identity.deleteIdentityCredentials({ id: created.data.id, type: 'totp' }), 404, 'admin');
      const flow = await ok(sdk.frontend.createNativeLoginFlow(), 'public');
      await ok(sdk.frontend.updateLoginFlow({ flow: flow.data.id, updateLoginFlowBody: { method: 'password', identifier: email, password: GOOD_PASSWORD } }), 'public');
    });

    test('deleteIdentity removes it; a second delete is 404', async () => {
      const created = await ok(sdk.identity.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: uniqueEmail('delete') } } }), 'admin');
      const deleted = await ok(sdk.identity.deleteIdentity({ id: created.data.id }), 'admin');
      assert.equal(deleted.status, 204);
      await fails(sdk.identity.getIdentity({ id: created.data.id }), 404, 'admin');
      await fails(sdk.identity.deleteIdentity({ id: created.data.id }), 404, 'admin');
    });

    test('batchPatchIdentities creates many and reports a failing item on its own', async () => {
      const taken = uniqueEmail('batch-taken');
      await ok(sdk.identity.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: taken }, credentials: { password: { config: { password: GOOD_PASSWORD } } } } }), 'admin');
      const patchIds = ['0b7a4b2e-4c66-4a7e-8d0c-2f6f9f0b1a01', '0b7a4b2e-4c66-4a7e-8d0c-2f6f9f0b1a02', '0b7a4b2e-4c66-4a7e-8d0c-2f6f9f0b1a03'];
      const fresh = [uniqueEmail('batch1'), uniqueEmail('batch2')];
      const res = await ok(
        sdk.identity.batchPatchIdentities({
          patchIdentitiesBody: {
            identities: [
              { patch_id: patchIds[0], create: { schema_id: 'default', traits: { email: fresh[0] } } },
              { patch_id: patchIds[1], create: { schema_id: 'default', traits: { email: fresh[1] }, credentials: { password: { config: { password: GOOD_PASSWORD } } } } },
              { patch_id: patchIds[2], create: { schema_id: 'default', traits: { email: taken }, credentials: { password: { config: { password: GOOD_PASSWORD } } } } },
            ],
          },
        }),
        'admin',
      );
      assert.equal(res.status, 200);
      const results = res.data.identities ?? [];
      assert.deepEqual(results.map((r) => [r.patch_id, r.action]), [
        [patchIds[0], 'create'],
        [patchIds[1], 'create'],
        [patchIds[2], 'error'],
      ]);
      for (const [i, r] of results.slice(0, 2).entries()) {
        const got = await ok(sdk.identity.getIdentity({ id: r.identity! }), 'admin');
        assert.equal(got.data.traits.email, fresh[i]);
      }
      assert.equal((results[2]!.error as { code?: number } | undefined)?.code, 409);
      const withTaken = await ok(sdk.identity.listIdentities({ credentialsIdentifier: taken }), 'admin');
      assert.equal(withTaken.data.length, 1, 'the failed item wrote nothing');
    });

    test('identity schemas through IdentityApi, on the admin and on the public API', async () => {
      // The schema endpoints are public too; the SDK has them on IdentityApi only.
      const onPublic = new IdentityApi(new Configuration({ basePath: s.publicUrl.replace(/\/+$/, '') }));
      for (const [api, client] of [['admin', sdk.identity], ['public', onPublic]] as const) {
        const list = await ok(client.listIdentitySchemas(), api);
        assert.equal(list.status, 200);
        assert.deepEqual(list.data.map((c) => c.id).sort(), ['default', 'username']);
        const container = list.data.find((c) => c.id === 'default')!;
        assert.equal((container.schema as { title?: string }).title, 'Person');

        const one = await ok(client.getIdentitySchema({ id: 'default' }), api);
        assert.equal((one.data as { title?: string }).title, 'Person');
        assert.deepEqual(one.data, container.schema);
        await fails(client.getIdentitySchema({ id: 'does-not-exist' }), 404, api);
      }
    });
  });
}
