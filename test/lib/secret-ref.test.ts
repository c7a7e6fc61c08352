import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretRefError, SecretResolver, secretFilesChanged } from '../../src/lib/secret-ref.js';

describe('secret references', () => {
  let dir: string;
  let outside: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-secrets-'));
    outside = mkdtempSync(join(tmpdir(), 'tessera-outside-'));
    writeFileSync(join(dir, 'graph.json'), JSON.stringify({ graph: { clientSecret: 's3cret' }, n: 1 }));
    writeFileSync(join(dir, 'idm.email.password'), 'pa55word\n');
    writeFileSync(join(outside, 'private'), 'not yours');
    symlinkSync(join(outside, 'private'), join(dir, 'escape'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  test('inline, JSON pointer, whole file and $purpose; the files read are stamped and a rewrite is noticed', async () => {
    const r = new SecretResolver({ secretsDirectory: dir });
    assert.equal(await r.resolve('inline', 'x'), 'inline');
    assert.equal(await r.resolve({ file: join(dir, 'graph.json'), pointer: '/graph/clientSecret' }, 'x'), 's3cret');
    assert.equal(await r.resolve({ $purpose: 'idm.email.password' }, 'x'), 'pa55word');
    assert.equal(r.files.size, 2);
    assert.equal(await secretFilesChanged(r.files), false);
    writeFileSync(join(dir, 'idm.email.password'), 'n3w-pa55word\n');
    assert.equal(await secretFilesChanged(r.files), true);
  });

  test('what cannot be used is an error naming the key', async () => {
    const r = new SecretResolver({ secretsDirectory: dir });
    await assert.rejects(r.resolve({ file: join(dir, 'graph.json'), pointer: '/n' }, 'courier.smtp.password'), (e: unknown) => e instanceof SecretRefError && e.where === 'courier.smtp.password' && /no string/.test(e.message));
    await assert.rejects(r.resolve({ file: join(dir, 'missing.json') }, 'k'), /ENOENT/);
    await assert.rejects(r.resolve({ $purpose: '../escape' }, 'k'), /plain file name/);
    await assert.rejects(new SecretResolver({}).resolve({ $purpose: 'idm.email.password' }, 'k'), /secrets_directory/);
  });

  test('confined to the secrets directory: paths and links out of it are refused', async () => {
    const r = new SecretResolver({ secretsDirectory: dir, confined: true });
    assert.equal(await r.resolve({ file: join(dir, 'idm.email.password') }, 'k'), 'n3w-pa55word');
    await assert.rejects(r.resolve({ file: join(outside, 'private') }, 'k'), /outside courier\.secrets_directory/);
    await assert.rejects(r.resolve({ file: join(dir, '..', 'x') }, 'k'), /outside|cannot read/);
    await assert.rejects(r.resolve({ file: join(dir, 'escape') }, 'k'), /outside courier\.secrets_directory/);
    await assert.rejects(new SecretResolver({ confined: true }).resolve({ file: join(dir, 'graph.json') }, 'k'), /need courier\.secrets_directory/);
  });
});
