import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';

interface EndpointOpts {
  endpoint?: string;
  format?: 'json' | 'json-pretty';
}

function endpointOf(opts: EndpointOpts): URL {
  const raw = opts.endpoint ?? process.env.TESSERA_ADMIN_URL ?? process.env.KRATOS_ADMIN_URL ?? 'http://127.0.0.1:4434';
  const u = new URL(raw);
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u;
}

async function call(opts: EndpointOpts, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; headers: Headers }> {
  const res = await fetch(new URL(path.replace(/^\//, ''), endpointOf(opts)), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
  }
  if (res.status >= 400) {
    const e = (json as { error?: { message?: string; reason?: string } } | null)?.error;
    throw new Error(`${method} ${path} failed with ${res.status}: ${e?.reason ?? e?.message ?? text}`);
  }
  return { status: res.status, json, headers: res.headers };
}

function print(opts: EndpointOpts, value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, opts.format === 'json' ? undefined : 2)}\n`);
}

/** Identity files hold one identity or an array of them (the create body shape). */
async function readIdentityFiles(files: string[]): Promise<Array<{ file: string; body: unknown }>> {
  const out = [];
  for (const file of files) {
    const text = file === '-' ? await new Response(process.stdin as unknown as ReadableStream).text() : await readFile(file, 'utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`${file}: not valid JSON`);
    }
    for (const body of Array.isArray(parsed) ? parsed : [parsed]) out.push({ file, body });
  }
  return out;
}

const withEndpoint = (c: Command) =>
  c.option('-e, --endpoint <url>', 'admin API URL (default: $TESSERA_ADMIN_URL, $KRATOS_ADMIN_URL or http://127.0.0.1:4434)').option('--format <format>', 'json or json-pretty', 'json-pretty');

export function registerIdentities(program: Command): void {
  const ids = program.command('identities').description('Manage identities through the admin API');

  withEndpoint(ids.command('import'))
    .description('Create identities from JSON files (one identity or an array per file; - reads stdin)')
    .argument('<files...>')
    .action(async (files: string[], opts: EndpointOpts) => {
      const created = [];
      for (const { body } of await readIdentityFiles(files)) created.push((await call(opts, 'POST', 'admin/identities', body)).json);
      print(opts, created.length === 1 ? created[0] : created);
    });

  withEndpoint(ids.command('validate'))
    .description("Check identity files against their identity schema without creating anything")
    .argument('<files...>')
    .action(async (files: string[], opts: EndpointOpts) => {
      const { validateIdentityBody } = await import('./validate-identity.js');
      let failed = 0;
      for (const { file, body } of await readIdentityFiles(files)) {
        const problems = await validateIdentityBody(body, (id) => call(opts, 'GET', `schemas/${encodeURIComponent(id)}`).then((r) => r.json as object));
        if (problems.length === 0) process.stdout.write(`${file}: valid\n`);
        else {
          failed++;
          process.stdout.write(`${file}: invalid\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
        }
      }
      if (failed > 0) process.exitCode = 1;
    });

  withEndpoint(ids.command('list'))
    .description('List identities')
    .option('--page-size <n>', 'identities per page', '250')
    .option('--page-token <token>', 'token of the page to fetch (from a previous listing)')
    .action(async (opts: EndpointOpts & { pageSize: string; pageToken?: string }) => {
      const q = new URLSearchParams({ page_size: opts.pageSize });
      if (opts.pageToken) q.set('page_token', opts.pageToken);
      const res = await call(opts, 'GET', `admin/identities?${q}`);
      print(opts, res.json);
      const next = /<[^>]*[?&]page_token=([^&>]+)[^>]*>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
      if (next) process.stderr.write(`Next page: --page-token ${decodeURIComponent(next)}\n`);
    });

  withEndpoint(ids.command('get'))
    .description('Get identities by id')
    .argument('<ids...>')
    .option('--include-credentials <type>', 'reveal the configuration of a credential type (e.g. password)')
    .action(async (idList: string[], opts: EndpointOpts & { includeCredentials?: string }) => {
      const q = opts.includeCredentials ? `?include_credential=${encodeURIComponent(opts.includeCredentials)}` : '';
      const out = [];
      for (const id of idList) out.push((await call(opts, 'GET', `admin/identities/${encodeURIComponent(id)}${q}`)).json);
      print(opts, out.length === 1 ? out[0] : out);
    });

  withEndpoint(ids.command('delete'))
    .description('Delete identities by id')
    .argument('<ids...>')
    .action(async (idList: string[], opts: EndpointOpts) => {
      for (const id of idList) {
        await call(opts, 'DELETE', `admin/identities/${encodeURIComponent(id)}`);
        process.stdout.write(`${id}\n`);
      }
    });
}
