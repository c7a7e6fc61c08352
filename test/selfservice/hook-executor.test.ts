import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { flowHooksFromConfig, type HookDeps } from '../../src/selfservice/hooks/factory.js';
import { HookExecutor } from '../../src/selfservice/hooks/executor.js';
import { CONTINUE, newHookContext, type Hook, type HookContext } from '../../src/selfservice/hooks/hook.js';
import type { SessionManager } from '../../src/session/manager.js';
import type { VerificationServices } from '../../src/selfservice/hooks/verification.js';

const base = {
  dsn: 'memory',
  serve: { public: { base_url: 'http://127.0.0.1:4433/' }, admin: { base_url: 'http://127.0.0.1:4434/' } },
  identity: { default_schema_id: 'default', schemas: [{ id: 'default', url: 'base64://e30=' }] },
  selfservice: { default_browser_return_url: 'http://127.0.0.1:4455/' },
  secrets: { default: ['test-secret-please-change-0123456789'] },
};

/** Hook objects are only built here, never run, so their dependencies can be bare shapes. */
const deps: HookDeps = {
  sessions: { pool: {} } as unknown as SessionManager,
  rotateCsrf: () => 't',
  verification: {} as VerificationServices,
  events: { sessionsRevoked: () => {} },
  webHook: (_kind, _position, cfg) => ({ name: `web_hook:${cfg.url}`, phase: 'post_persist', run: async () => CONTINUE }),
  notices: {} as HookDeps['notices'],
};

function capture(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  return { logger, lines };
}

const hook = (url: string) => ({ hook: 'web_hook', config: { url, method: 'POST', body: 'base64://e30=' } });

describe('hooks built from the configuration', () => {
  test('a method list replaces the flow list, and start-up warns naming the methods', async () => {
    const config = await loadConfig({
      env: {},
      overrides: { ...base, selfservice: { ...base.selfservice, flows: { login: { after: { hooks: [hook('https://a.example/generic')], password: { hooks: [{ hook: 'revoke_active_sessions' }] } } } } } },
    });
    const { logger, lines } = capture();
    const hooks = flowHooksFromConfig('login', config, deps, logger);
    assert.deepEqual(hooks.after('password').map((h) => h.name), ['revoke_active_sessions']);
    assert.deepEqual(hooks.after('code').map((h) => h.name), ['web_hook:https://a.example/generic']);
    assert.equal(lines.length, 1);
    assert.deepEqual(lines[0]!.methods, ['password']);
    assert.match(String(lines[0]!.msg), /after\.hooks do not run for password/);
  });

  test('no warning when only one kind of list is set', async () => {
    const config = await loadConfig({ env: {}, overrides: { ...base, selfservice: { ...base.selfservice, flows: { login: { after: { password: { hooks: [{ hook: 'revoke_active_sessions' }] } } } } } } });
    const { logger, lines } = capture();
    flowHooksFromConfig('login', config, deps, logger);
    assert.equal(lines.length, 0);
  });

  test('registration: the session issuer runs first, then verification when enabled, then the listed hooks in order', async () => {
    const config = await loadConfig({
      env: {},
      overrides: {
        ...base,
        selfservice: {
          ...base.selfservice,
          flows: {
            verification: { enabled: true },
            registration: { after: { password: { hooks: [hook('https://a.example/one'), { hook: 'show_verification_ui' }, { hook: 'session' }, hook('https://a.example/two')] } } },
          },
        },
      },
    });
    const hooks = flowHooksFromConfig('registration', config, deps, capture().logger);
    assert.deepEqual(hooks.after('password').map((h) => h.name), ['session', 'verification', 'web_hook:https://a.example/one', 'show_verification_ui', 'web_hook:https://a.example/two']);
    assert.deepEqual(hooks.after(null).map((h) => h.name), ['verification']);
  });

  test('the executor runs a phase in order and stops at the first interrupt', async () => {
    const ran: string[] = [];
    const mk = (name: string, phase: Hook['phase'], interrupt = false): Hook => ({
      name,
      phase,
      run: async () => {
        ran.push(name);
        return interrupt ? { kind: 'interrupt', messages: [{ message: { id: 4000001, text: 'no', type: 'error' } }] } : CONTINUE;
      },
    });
    const list = [mk('a', 'pre_persist'), mk('b', 'post_persist'), mk('c', 'pre_persist', true), mk('d', 'pre_persist')];
    const executor = new HookExecutor('login', { before: [], after: () => list });
    const ctx = newHookContext({ kind: 'login', req: {} as HookContext['req'], reply: {} as HookContext['reply'], flow: {} as HookContext['flow'] });
    const outcome = await executor.after('pre_persist', ctx);
    assert.equal(outcome.kind, 'interrupt');
    assert.deepEqual(ran, ['a', 'c']);
  });
});
