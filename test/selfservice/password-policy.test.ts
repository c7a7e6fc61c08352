// The password policy against a real range API server on 127.0.0.1.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import {
  DEFAULT_PASSWORD_POLICY_CONFIG,
  PasswordPolicy,
  passwordPolicyFromConfig,
  PWNED_RANGE_RETRY_AFTER_MS,
  type PasswordPolicyConfig,
  type PasswordPolicyOptions,
} from '../../src/selfservice/strategies/password/policy.js';
import { parsePwnedRange, pwnedRangeBaseUrl } from '../../src/selfservice/strategies/password/policy/pwned-range.js';
import { lowerSimple, sharedRunLength, tooSimilarToIdentifier } from '../../src/selfservice/strategies/password/policy/similarity.js';
import { TtlLruCache } from '../../src/selfservice/strategies/password/policy/ttl-lru-cache.js';

function sha1(password: string): { prefix: string; suffix: string } {
  const hex = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
  return { prefix: hex.slice(0, 5), suffix: hex.slice(5) };
}

/** A random-looking suffix, to pad responses with. */
function padSuffix(n: number): string {
  return createHash('sha1').update(`pad-${n}`).digest('hex').toUpperCase().slice(5);
}

function padding(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${padSuffix(i)}:0`);
}

type Behaviour =
  | { kind: 'body'; body: string; delayMs?: number; after?: Promise<unknown> }
  | { kind: 'status'; status: number }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'cut'; head: string }
  | { kind: 'huge'; bytes: number };

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}

/** The range API: `/range/<prefix>` answers as `routes` says, else with padding only. */
class RangeServer {
  readonly routes = new Map<string, Behaviour>();
  readonly seen: Seen[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => this.#handle(req.url ?? '', req.headers, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  hits(prefix: string): number {
    return this.seen.filter((s) => s.url === `/range/${prefix}`).length;
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  #handle(url: string, headers: IncomingHttpHeaders, res: ServerResponse): void {
    this.seen.push({ url, headers });
    const m = /^\/range\/([0-9A-F]{5})$/.exec(url);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const behaviour = this.routes.get(m[1]) ?? { kind: 'body', body: padding(5).join('\r\n') };
    switch (behaviour.kind) {
      case 'body': {
        const send = () => res.writeHead(200, { 'content-type': 'text/plain' }).end(behaviour.body);
        if (behaviour.after) void behaviour.after.then(send);
        else if (behaviour.delayMs) this.#later(behaviour.delayMs, send);
        else send();
        return;
      }
      case 'status':
        res.writeHead(behaviour.status, { 'content-type': 'text/plain' }).end('upstream trouble');
        return;
      case 'slow':
        this.#later(behaviour.delayMs, () => res.writeHead(200).end(padding(3).join('\n')));
        return;
      case 'cut':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(behaviour.head.length + 1000) });
        res.write(behaviour.head, () => this.#later(20, () => res.destroy()));
        return;
      case 'huge': {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const line = `${padSuffix(1)}:0\r\n`;
        res.end(line.repeat(Math.ceil(behaviour.bytes / line.length)));
        return;
      }
    }
  }
}

const server = new RangeServer();
before(() => server.start());
after(() => server.stop());

function policy(config: Partial<PasswordPolicyConfig> = {}, opts: PasswordPolicyOptions = {}): PasswordPolicy {
  return new PasswordPolicy(
    { ...DEFAULT_PASSWORD_POLICY_CONFIG, haveibeenpwned_host: server.url, ...config },
    { timeoutMs: 1000, ...opts },
  );
}

const offline = { haveibeenpwned_enabled: false } as const;

describe('minimum length', () => {
  it('refuses a password shorter than min_password_length with 4000032', async () => {
    const v = await policy(offline).validate(['someone@example.com'], 'xk3#q9z');
    assert.deepEqual(v, {
      id: 4000032,
      text: 'The password must be at least 8 characters long, but got 7.',
      type: 'error',
      context: { min_length: 8, actual_length: 7 },
    });
  });

  it('accepts a password of exactly the minimum length', async () => {
    assert.equal(await policy(offline).validate(['someone@example.com'], 'xk3#q9zw'), null);
    assert.equal(await policy({ ...offline, min_password_length: 12 }).validate([], 'xk3#q9zw7Lp!'), null);
    const v = await policy({ ...offline, min_password_length: 12 }).validate([], 'xk3#q9zw7Lp');
    assert.deepEqual(v?.context, { min_length: 12, actual_length: 11 });
  });

  it('counts UTF-8 bytes, as Kratos does', async () => {
    // Four characters, eight bytes: long enough.
    assert.equal(await policy(offline).validate([], 'äöüß'), null);
    // Two emoji are eight bytes too.
    assert.equal(await policy(offline).validate([], '🔑🗝'), null);
    // Three characters, six bytes: too short, reported in bytes.
    const v = await policy(offline).validate([], 'äöü');
    assert.equal(v?.id, 4000032);
    assert.equal(v?.text, 'The password must be at least 8 characters long, but got 6.');
    assert.deepEqual(v?.context, { min_length: 8, actual_length: 6 });
  });

  it('checks length before anything else, and asks the range API nothing', async () => {
    const pw = 'short';
    const v = await policy().validate([pw], pw);
    assert.equal(v?.id, 4000032);
    assert.equal(server.hits(sha1(pw).prefix), 0);
  });
});

describe('identifier similarity', () => {
  const tooSimilar = {
    id: 4000031,
    text: 'The password can not be used because it is too similar to the identifier.',
    type: 'error',
  };

  it('refuses the identifier itself, in any case, with 4000031 and no context', async () => {
    const p = policy(offline);
    assert.deepEqual(await p.validate(['hello@example.com'], 'hello@example.com'), tooSimilar);
    assert.deepEqual(await p.validate(['hello@example.com'], 'HELLO@EXAMPLE.COM'), tooSimilar);
    assert.deepEqual(await p.validate(['Hello@Example.com'], 'hello@EXAMPLE.com'), tooSimilar);
  });

  it('refuses the local part of an email address and other large shared substrings', async () => {
    const p = policy(offline);
    assert.deepEqual(await p.validate(['jonathan.smithers@example.org'], 'jonathan.smithers'), tooSimilar);
    assert.deepEqual(await p.validate(['jonathan.smithers@example.org'], 'JONATHAN.SMITHERS!'), tooSimilar);
    assert.deepEqual(await p.validate(['hello@example.com'], 'hello@example.com12345'), tooSimilar);
    assert.deepEqual(await p.validate(['hello@example.com'], '123hello@example.com123'), tooSimilar);
    assert.deepEqual(await p.validate(['hello@example.com'], 'h3ll0@example'), tooSimilar);
    // A password that the identifier contains, and one that contains the identifier.
    assert.deepEqual(await p.validate(['hello@example.com'], 'hello@exam'), tooSimilar);
    assert.deepEqual(await p.validate(['hello@exam'], 'hello@example.com'), tooSimilar);
  });

  it('accepts passwords that merely share a little with the identifier (Kratos cases)', async () => {
    const p = policy(offline);
    assert.equal(await p.validate(['abcd'], '9d3c8a1b'), null);
    assert.equal(await p.validate(['a'], 'kjOklafe'), null);
    assert.equal(await p.validate(['ab'], '0000ab0000123'), null);
    assert.equal(await p.validate(['d4f6090b-5a84'], 'd4f6090b-5a84-2184-4404-8d1b-8da3eb00ebbe'), null);
    assert.equal(await p.validate(['asdflasdflasdf'], 'asdflasdflpiuhefnciluaksdzuföfhg'), null);
  });

  it('accepts an unrelated password', async () => {
    assert.equal(await policy(offline).validate(['hello@example.com', 'hello'], 'correct horse battery staple'), null);
  });

  it('checks every identifier', async () => {
    const v = await policy(offline).validate(['first@example.com', 'marvin_the_robot'], 'marvin_the_robot1');
    assert.deepEqual(v, tooSimilar);
  });

  it('is skipped when disabled, for an empty identifier, and for operands over 256 bytes', async () => {
    assert.equal(await policy({ ...offline, identifier_similarity_check_enabled: false }).validate(['bosqwfaxee'], 'bosqwfaxee'), null);
    assert.equal(await policy(offline).validate([''], 'bosqwfaxee'), null);
    const large = 'a'.repeat(257);
    assert.equal(await policy(offline).validate([large], large), null);
    assert.deepEqual(await policy(offline).validate(['a'.repeat(256)], 'a'.repeat(256)), tooSimilar);
  });

  it('lower-cases one code point at a time, as Go does', () => {
    assert.equal(lowerSimple('İSTANBUL'), 'istanbul');
    assert.equal(lowerSimple('ΣΊΣΥΦΟΣ'), 'σίσυφοσ');
    assert.equal(lowerSimple('MÜLLER'), 'müller');
    assert.equal(tooSimilarToIdentifier('istanbul.user', 'İSTANBUL.USER'), true);
  });

  it('measures the shared substring as Kratos does, including after multi-byte characters', () => {
    for (const [a, b, n] of [['foo', 'foo', 3], ['fo', 'foo', 2], ['bar', 'foo', 0], ['foobar', 'foo', 3], ['foobar', 'oo', 2], ['foobar', 'a', 1]] as const) {
      assert.equal(sharedRunLength(a, b), n);
      assert.equal(sharedRunLength(b, a), n);
    }
    // Kratos's run restarts after a multi-byte character: "aäb" shares a run of 2, not 3.
    assert.equal(sharedRunLength('aäb', 'aäb'), 2);
    // Parity with Kratos: so "jürgen.müller" (longest run "rgen.mü", 7 of 15 bytes) passes for
    // that identifier where the ASCII spelling does not.
    assert.equal(tooSimilarToIdentifier('jürgen.müller@example.de', 'jürgen.müller'), false);
    assert.equal(tooSimilarToIdentifier('jurgen.muller@example.de', 'jurgen.muller'), true);
  });

  it('stays fast at the size bound with multi-byte text', () => {
    const id = 'é'.repeat(128);
    const pw = 'è'.repeat(128);
    const start = performance.now();
    for (let i = 0; i < 10; i++) tooSimilarToIdentifier(id, pw);
    assert.ok(performance.now() - start < 500, 'ten worst-case comparisons take well under 50 ms each');
  });
});

describe('breached passwords (range API)', () => {
  it('refuses a password found more often than max_breaches with 4000034, sending only the prefix', async () => {
    const pw = 'tessera-breached-often';
    const { prefix, suffix } = sha1(pw);
    server.routes.set(prefix, { kind: 'body', body: [...padding(3), `${suffix}:7`, ...padding(3)].join('\r\n') + '\r\n' });
    const v = await policy({ max_breaches: 2 }).validate(['someone@example.com'], pw);
    assert.deepEqual(v, {
      id: 4000034,
      text: 'The password has been found in data breaches and must no longer be used.',
      type: 'error',
      context: { breaches: 7 },
    });
    const seen = server.seen.filter((s) => s.url === `/range/${prefix}`);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].headers['add-padding'], 'true');
    assert.match(String(seen[0].headers['user-agent']), /^Tessera\/\d+\.\d+\.\d+/);
    for (const s of server.seen) {
      assert.ok(!s.url.includes(suffix) && !s.url.includes(pw), 'neither the full hash nor the password is sent');
      assert.ok(!JSON.stringify(s.headers).includes(suffix));
    }
  });

  it('accepts a password found no more often than max_breaches', async () => {
    const pw = 'tessera-breached-rarely';
    const { prefix, suffix } = sha1(pw);
    server.routes.set(prefix, { kind: 'body', body: [`${suffix}:5`, ...padding(4)].join('\n') });
    assert.equal(await policy({ max_breaches: 5 }).validate([], pw), null);
    const v = await policy({ max_breaches: 4 }).validate([], pw);
    assert.deepEqual(v?.context, { breaches: 5 });
  });

  it('accepts a password listed only as padding (count 0), even with max_breaches 0', async () => {
    const pw = 'tessera-padding-only';
    const { prefix, suffix } = sha1(pw);
    server.routes.set(prefix, { kind: 'body', body: [...padding(2), `${suffix}:0`, ...padding(2)].join('\r\n') });
    assert.equal(await policy().validate([], pw), null);
  });

  it('reads responses robustly: CRLF, blank lines, junk, lower case, thousands separators', async () => {
    const pw = 'tessera-odd-response';
    const { prefix, suffix } = sha1(pw);
    const body = ['', 'not a line', `${padSuffix(9)}:x`, ':12', '   ', `${suffix.toLowerCase()} : 1,234 `, ''].join('\r\n');
    server.routes.set(prefix, { kind: 'body', body });
    const v = await policy({ max_breaches: 1000 }).validate([], pw);
    assert.deepEqual(v?.context, { breaches: 1234 });
  });

  it('parses a range table directly', () => {
    const own = sha1('own').suffix;
    const range = parsePwnedRange(`${own}\n${padSuffix(1)}:0\n${padSuffix(2)}:oops\n${padSuffix(3)}:3:4\n\n`);
    assert.equal(range.count(own), 1, 'a suffix without a count is one breach');
    assert.equal(range.count(padSuffix(1)), 0);
    assert.equal(range.count(padSuffix(2)), 1, 'an unreadable count is one breach');
    assert.equal(range.count(padSuffix(3)), 1);
    assert.equal(range.count(padSuffix(4)), 0);
    assert.equal(range.size, 3, 'padding is not stored');
    const many = parsePwnedRange(Array.from({ length: 500 }, (_, i) => `${padSuffix(i)}:${i + 1}`).join('\n'));
    for (let i = 0; i < 500; i += 37) assert.equal(many.count(padSuffix(i)), i + 1);
  });

  it('caches a range per prefix: the same password, and another with the same prefix, ask once', async () => {
    // Two passwords whose SHA-1 digests share the prefix 88069.
    const a = 'tessera-collide-1252';
    const b = 'tessera-collide-1511';
    assert.equal(sha1(a).prefix, sha1(b).prefix);
    const { prefix } = sha1(a);
    server.routes.set(prefix, { kind: 'body', body: [`${sha1(b).suffix}:3`, ...padding(5)].join('\n') });
    const p = policy();
    assert.equal(await p.validate([], a), null);
    assert.equal(await p.validate([], a), null);
    assert.equal((await p.validate([], b))?.id, 4000034);
    assert.equal(server.hits(prefix), 1);
    // Another instance has its own cache.
    assert.equal((await policy().validate([], b))?.id, 4000034);
    assert.equal(server.hits(prefix), 2);
  });

  it('shares one request among concurrent checks of one prefix', async () => {
    const pw = 'tessera-concurrent';
    const { prefix, suffix } = sha1(pw);
    server.routes.set(prefix, { kind: 'body', body: `${suffix}:2`, delayMs: 100 });
    const p = policy();
    const results = await Promise.all(Array.from({ length: 8 }, () => p.validate(['x@example.com'], pw)));
    for (const r of results) assert.deepEqual(r?.context, { breaches: 2 });
    assert.equal(server.hits(prefix), 1);
  });

  it('forgets a range after its TTL, and the least recently used range beyond cacheSize', async () => {
    let now = 1_000_000;
    const pw1 = 'tessera-ttl-one';
    const pw2 = 'tessera-ttl-two';
    const p = policy({}, { now: () => now, cacheTtlMs: 60_000, cacheSize: 1 });
    await p.validate([], pw1);
    await p.validate([], pw1);
    assert.equal(server.hits(sha1(pw1).prefix), 1);
    now += 60_001;
    await p.validate([], pw1);
    assert.equal(server.hits(sha1(pw1).prefix), 2, 'expired');
    await p.validate([], pw2);
    await p.validate([], pw1);
    assert.equal(server.hits(sha1(pw1).prefix), 3, 'evicted by the second prefix');
    assert.equal(server.hits(sha1(pw2).prefix), 1);
  });

  it('makes no request when haveibeenpwned is disabled', async () => {
    const pw = 'tessera-not-asked';
    const before = server.seen.length;
    assert.equal(await policy({ haveibeenpwned_enabled: false }).validate(['a@example.com'], pw), null);
    assert.equal(server.seen.length, before);
  });

  it('does not ask the range API when the similarity check already refused', async () => {
    const pw = 'similar@example.com';
    const v = await policy().validate(['similar@example.com'], pw);
    assert.equal(v?.id, 4000031);
    assert.equal(server.hits(sha1(pw).prefix), 0);
  });
});

describe('range API failures', () => {
  const generic = (reason: string) => ({ id: 4000005, text: `The password can not be used because ${reason}.`, type: 'error', context: { reason } });
  const networkReason = 'unable to check if password has been leaked because an unexpected network error occurred';

  it('a 500 passes with ignore_network_errors, fails with 4000005 without, and is not cached', async () => {
    const pw = 'tessera-upstream-500';
    const { prefix } = sha1(pw);
    server.routes.set(prefix, { kind: 'status', status: 500 });
    const errors: Error[] = [];
    assert.equal(await policy({}, { onLookupError: (e) => errors.push(e) }).validate([], pw), null);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].message.includes(pw), false);
    const strict = policy({ ignore_network_errors: false });
    const reason = 'unable to check if password has been leaked because the leaked password service answered with status 500';
    assert.deepEqual(await strict.validate([], pw), generic(reason));
    assert.deepEqual(await strict.validate([], pw), generic(reason));
    assert.equal(server.hits(prefix), 3);
  });

  it('with the range service unreachable, the bundled list of common passwords still refuses the worst ones', async () => {
    // A port nothing listens on: every lookup fails at connection.
    const down = new PasswordPolicy({ ...DEFAULT_PASSWORD_POLICY_CONFIG, haveibeenpwned_host: 'http://127.0.0.1:9/' }, { timeoutMs: 2000 });
    const common = generic('it is one of the most commonly used passwords');
    for (const pw of ['password', '12345678', 'qwertyuiop', 'Password1', 'iloveyou']) assert.deepEqual(await down.validate([], pw), common, pw);
    assert.equal(await down.validate([], 'tessera-offline-but-uncommon-7f3c'), null, 'an uncommon password passes: the length rules and the list apply');
    assert.deepEqual((await down.validate([], 'short'))?.id, 4000032, 'the length rule still comes first');
  });

  it('a response slower than the timeout passes with ignore_network_errors and fails without', async () => {
    const pw = 'tessera-too-slow';
    server.routes.set(sha1(pw).prefix, { kind: 'slow', delayMs: 3000 });
    let start = performance.now();
    assert.equal(await policy({}, { timeoutMs: 150 }).validate([], pw), null);
    assert.ok(performance.now() - start < 1500, 'gave up at the timeout');
    start = performance.now();
    assert.deepEqual(await policy({ ignore_network_errors: false }, { timeoutMs: 150 }).validate([], pw), generic(networkReason));
    assert.ok(performance.now() - start < 1500);
  });

  it('a refused connection is a network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const host = `http://127.0.0.1:${port}`;
    assert.equal(await policy({ haveibeenpwned_host: host }).validate([], 'tessera-refused'), null);
    assert.deepEqual(await policy({ haveibeenpwned_host: host, ignore_network_errors: false }).validate([], 'tessera-refused'), generic(networkReason));
  });

  it('a body cut off mid-way, or far too large, is a network error', async () => {
    const cut = 'tessera-cut-body';
    server.routes.set(sha1(cut).prefix, { kind: 'cut', head: `${sha1(cut).suffix}:9\r\n` });
    assert.deepEqual(await policy({ ignore_network_errors: false }).validate([], cut), generic(networkReason));
    assert.equal(await policy().validate([], cut), null);
    const huge = 'tessera-huge-body';
    server.routes.set(sha1(huge).prefix, { kind: 'huge', bytes: 2 * 1024 * 1024 });
    assert.deepEqual(await policy({ ignore_network_errors: false }).validate([], huge), generic(networkReason));
  });
});

describe('a range service that does not answer', () => {
  it('is not asked again for a while: passwords are judged as when a lookup fails, without waiting; then it is asked again', async () => {
    let clock = 1_000_000;
    const errors: Error[] = [];
    const opts = { timeoutMs: 150, now: () => clock, onLookupError: (e: Error) => errors.push(e) };
    const lenient = policy({}, opts);
    const strict = policy({ ignore_network_errors: false }, opts);
    const silent = 'tessera-no-answer';
    server.routes.set(sha1(silent).prefix, { kind: 'slow', delayMs: 3000 });
    assert.equal(await lenient.validate([], silent), null);
    assert.equal((await strict.validate([], silent))?.id, 4000005);
    assert.equal(errors.length, 2, 'each policy asked once and logged its failure');

    const other = 'tessera-asked-later-4e1b';
    const start = performance.now();
    assert.equal(await lenient.validate([], other), null);
    assert.equal((await lenient.validate([], 'password'))?.id, 4000005, 'the bundled list of common passwords still applies');
    assert.equal((await strict.validate([], other))?.context?.reason, 'unable to check if password has been leaked because an unexpected network error occurred');
    assert.ok(performance.now() - start < 100, 'nothing waited for the service');
    assert.equal(server.hits(sha1(other).prefix), 0);
    assert.equal(server.hits(sha1('password').prefix), 0);
    assert.equal(errors.length, 2, 'skipped lookups are not logged as failures');

    clock += PWNED_RANGE_RETRY_AFTER_MS;
    assert.equal(await lenient.validate([], other), null);
    assert.equal(server.hits(sha1(other).prefix), 1, 'asked again once the pause is over');
  });
});

describe('validateWhile (the hash runs during the lookup)', () => {
  it('starts the work before the range lookup has its answer', async () => {
    const pw = 'tessera-overlap-breached';
    const { prefix, suffix } = sha1(pw);
    let started!: () => void;
    const workStarted = new Promise<void>((resolve) => (started = resolve));
    // The range answers only once the work has begun: run one after the other, the lookup would time out.
    server.routes.set(prefix, { kind: 'body', body: [`${suffix}:7`, ...padding(3)].join('\n'), after: workStarted });
    let runs = 0;
    const out = await policy({}, { timeoutMs: 1000 }).validateWhile([], pw, async () => {
      runs++;
      started();
      return 'hashed';
    });
    assert.equal(runs, 1);
    assert.deepEqual(out, { violation: { id: 4000034, text: 'The password has been found in data breaches and must no longer be used.', type: 'error', context: { breaches: 7 } } });
  });

  it("gives the work's result when the policy accepts, and its failure as its own", async () => {
    assert.deepEqual(await policy().validateWhile([], 'tessera-overlap-accepted', async () => 'hashed'), { value: 'hashed' });
    await assert.rejects(
      policy().validateWhile([], 'tessera-overlap-failing', async () => {
        throw new Error('hash failed');
      }),
      /hash failed/,
    );
  });

  it("reports the violation, not the work's failure, when the policy refuses", async () => {
    const pw = 'tessera-overlap-refused';
    server.routes.set(sha1(pw).prefix, { kind: 'body', body: `${sha1(pw).suffix}:2` });
    const out = await policy().validateWhile([], pw, async () => {
      throw new Error('hash failed');
    });
    assert.equal('violation' in out && out.violation.id, 4000034);
  });

  it('never starts the work for a password refused by length or similarity', async () => {
    let runs = 0;
    const work = async () => ++runs;
    assert.equal('violation' in (await policy().validateWhile([], 'short', work)), true);
    assert.equal('violation' in (await policy().validateWhile(['someone@example.com'], 'someone@example.com', work)), true);
    assert.equal(runs, 0);
  });
});

describe('bcrypt length limit', () => {
  it('refuses passwords over 72 bytes with 4000033 when the hasher is bcrypt', async () => {
    const p = policy(offline, { bcrypt: true });
    assert.equal(await p.validate([], 'q'.repeat(72)), null);
    assert.deepEqual(await p.validate([], 'q'.repeat(73)), {
      id: 4000033,
      text: 'The password must be at most 72 characters long, but got 73.',
      type: 'error',
      context: { max_length: 72, actual_length: 73 },
    });
    // 37 two-byte characters are 74 bytes.
    assert.deepEqual((await p.validate([], 'é'.repeat(37)))?.context, { max_length: 72, actual_length: 74 });
    assert.equal(await policy(offline).validate([], 'q'.repeat(500)), null, 'no limit for other hashers');
  });

  it('reports policy violations first, as Kratos does', async () => {
    const long = `${'similar.person@example.com'.repeat(3)}`;
    const v = await policy(offline, { bcrypt: true }).validate([long], long);
    assert.equal(v?.id, 4000031);
  });
});

describe('configuration', () => {
  it('turns haveibeenpwned_host into an https URL; http(s) URLs are a Tessera extension', () => {
    assert.equal(pwnedRangeBaseUrl('api.pwnedpasswords.com'), 'https://api.pwnedpasswords.com');
    assert.equal(pwnedRangeBaseUrl('mirror.internal:8443'), 'https://mirror.internal:8443');
    assert.equal(pwnedRangeBaseUrl('http://127.0.0.1:8080'), 'http://127.0.0.1:8080');
    assert.equal(pwnedRangeBaseUrl('https://mirror.internal/hibp/'), 'https://mirror.internal/hibp');
    for (const bad of ['', 'api.pwnedpasswords.com/range', 'user@host', 'https://host/?q=1', 'ftp://host', 'a b']) {
      assert.throws(() => pwnedRangeBaseUrl(bad), RangeError, bad);
    }
    assert.throws(() => policy({ haveibeenpwned_host: 'bad host' }), RangeError);
    assert.doesNotThrow(() => policy({ haveibeenpwned_host: 'bad host', haveibeenpwned_enabled: false }));
  });

  it('asks https://<host>/range/<prefix> for a bare host name', async () => {
    const urls: string[] = [];
    const offlineFetch: typeof fetch = async (input) => {
      urls.push(String(input));
      throw new TypeError('fetch failed');
    };
    const p = new PasswordPolicy({ ...DEFAULT_PASSWORD_POLICY_CONFIG }, { fetch: offlineFetch });
    assert.equal(await p.validate(['mohutdesub'], 'damrumukuh'), null);
    assert.deepEqual(urls, ['https://api.pwnedpasswords.com/range/BCBA9']);
  });

  it('is built from a loaded configuration, bcrypt limit included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-policy-'));
    try {
      const file = join(dir, 'config.yml');
      writeFileSync(
        file,
        [
          'dsn: memory',
          'serve: { public: { base_url: "https://auth.example.com/" } }',
          'identity: { schemas: [ { id: default, url: "file:///etc/tessera/identity.schema.json" } ] }',
          'secrets: { default: [a-very-long-secret-value] }',
          'hashers: { algorithm: bcrypt }',
          'selfservice:',
          '  default_browser_return_url: https://app.example.com/',
          '  methods:',
          '    password:',
          '      config:',
          '        min_password_length: 10',
          '        max_breaches: 3',
          '        ignore_network_errors: false',
          `        haveibeenpwned_host: "${server.url}"`,
          '',
        ].join('\n'),
      );
      const config = await loadConfig({ files: [file], env: {} });
      const p = passwordPolicyFromConfig(config, { timeoutMs: 1000 });
      assert.deepEqual(p.config, {
        ...DEFAULT_PASSWORD_POLICY_CONFIG,
        min_password_length: 10,
        max_breaches: 3,
        ignore_network_errors: false,
        haveibeenpwned_host: server.url,
      });
      assert.deepEqual((await p.validate([], 'q'.repeat(9)))?.context, { min_length: 10, actual_length: 9 });
      const pw = 'tessera-from-config';
      server.routes.set(sha1(pw).prefix, { kind: 'body', body: `${sha1(pw).suffix}:4` });
      assert.deepEqual((await p.validate([], pw))?.context, { breaches: 4 });
      assert.equal((await p.validate([], 'v'.repeat(80)))?.id, 4000033);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has Kratos defaults', () => {
    assert.deepEqual({ ...DEFAULT_PASSWORD_POLICY_CONFIG }, {
      min_password_length: 8,
      identifier_similarity_check_enabled: true,
      haveibeenpwned_enabled: true,
      haveibeenpwned_host: 'api.pwnedpasswords.com',
      max_breaches: 0,
      ignore_network_errors: true,
    });
  });

  it('TtlLruCache keeps at most its size, most recently used last', () => {
    const c = new TtlLruCache<string, number>(2, 1000, () => 0);
    c.set('a', 1);
    c.set('b', 2);
    assert.equal(c.get('a'), 1);
    c.set('c', 3);
    assert.equal(c.get('b'), undefined);
    assert.equal(c.get('a'), 1);
    assert.equal(c.get('c'), 3);
    assert.equal(c.size, 2);
  });
});
