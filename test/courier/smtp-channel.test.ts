import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerOptions } from 'smtp-server';
import { createSmtpChannel, parseSmtpConnectionUri, SmtpConfigError } from '../../src/courier/channels/smtp.js';
import type { SmtpChannelConfig, SmtpChannelOptions } from '../../src/courier/channels/smtp.js';
import { secretVariants, toDeliveryError } from '../../src/courier/channels/smtp/delivery-failure.js';
import type { Channel } from '../../src/courier/channel.js';
import { DeliveryError } from '../../src/courier/message.js';
import type { OutgoingMessage } from '../../src/courier/message.js';

// Every test talks to a real smtp-server on 127.0.0.1 with certificates made by the openssl CLI
// at start: a test CA, a server certificate for "mail.test" and a client certificate signed by
// it, and a self-signed "localhost" certificate.

const USER = 'mailer@example.com';
const PASSWORD = 'p@ss:w/rd%Z';
const CREDS = `${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}`;

interface Pems {
  dir: string;
  ca: Buffer;
  serverKey: Buffer;
  serverCert: Buffer;
  selfKey: Buffer;
  selfCert: Buffer;
  clientKeyPath: string;
  clientCertPath: string;
}

function makeCertificates(): Pems {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-smtp-tls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Tessera Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const issue = (name: string, subject: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl('req', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`,
      '-days', '2', '-extfile', `${name}.ext`);
  };
  issue('server', '/CN=mail.test', 'subjectAltName=DNS:mail.test\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  issue('client', '/CN=tessera-courier', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  ssl('req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.crt', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1');
  const read = (f: string) => readFileSync(join(dir, f));
  return {
    dir,
    ca: read('ca.crt'),
    serverKey: read('server.key'),
    serverCert: read('server.crt'),
    selfKey: read('self.key'),
    selfCert: read('self.crt'),
    clientKeyPath: join(dir, 'client.key'),
    clientCertPath: join(dir, 'client.crt'),
  };
}

interface Received {
  raw: string;
  ehlo: string;
  secure: boolean;
  servername: string | undefined;
  user: unknown;
  smtpUtf8: boolean;
  mailFrom: string | undefined;
  rcptTo: string[];
}

interface TestServer {
  port: number;
  received: Received[];
  /** Connections the server accepted so far. */
  connects: number;
  /** Client commands as they came over the wire (credentials redacted by smtp-server). */
  commands: string[];
  /** Connections open right now. */
  open(): number;
  close(): Promise<void>;
}

async function startServer(options: SMTPServerOptions = {}): Promise<TestServer> {
  const received: Received[] = [];
  const state = { connects: 0 };
  const commands: string[] = [];
  const quiet = () => {};
  const server = new SMTPServer({
    logger: {
      trace: quiet,
      info: quiet,
      warn: quiet,
      error: quiet,
      fatal: quiet,
      debug: (entry: { tnx?: string }, _format: string, line?: unknown) => {
        if (entry?.tnx === 'command' && typeof line === 'string') commands.push(line);
      },
    },
    key: pems.selfKey,
    cert: pems.selfCert,
    authOptional: true,
    allowInsecureAuth: true,
    disableReverseLookup: true,
    closeTimeout: 50,
    onConnect(_session, cb) {
      state.connects++;
      cb();
    },
    onAuth(auth, _session, cb) {
      if (auth.username === USER && auth.password === PASSWORD) cb(null, { user: auth.username });
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith('reject')) cb(Object.assign(new Error('5.1.1 No such user'), { responseCode: 550 }));
      else if (address.address.startsWith('defer')) cb(Object.assign(new Error('4.2.1 Mailbox busy, try later'), { responseCode: 450 }));
      else cb();
    },
    onMailFrom(address, _session, cb) {
      if (address.address.startsWith('blocked')) cb(Object.assign(new Error('5.7.1 Sender not allowed'), { responseCode: 550 }));
      else cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        if (/^Subject: SPAM/m.test(raw)) return cb(Object.assign(new Error('5.7.1 Message content rejected'), { responseCode: 554 }));
        received.push({
          raw,
          ehlo: session.hostNameAppearsAs,
          secure: session.secure,
          servername: session.servername || undefined,
          user: session.user,
          smtpUtf8: session.envelope.smtpUtf8 === true,
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
        });
        cb();
      });
    },
    ...options,
  });
  // Failed handshakes (a client refusing our certificate, a missing client certificate) are
  // reported here; they are the point of some tests.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    commands,
    get connects() {
      return state.connects;
    },
    open: () => server.connections.size,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let seq = 0;
function message(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  seq++;
  return {
    id: `7f9c2a4e-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    type: 'email',
    recipient: 'user@example.com',
    templateType: 'recovery_code_valid',
    templateData: { To: 'user@example.com' },
    subject: 'Recover access to your account',
    bodyText: 'Your recovery code is 123456',
    bodyHtml: '<p>Your recovery code is <b>123456</b></p>',
    ...overrides,
  };
}

const FAST: SmtpChannelOptions['timeouts'] = { connectMs: 2000, greetingMs: 2000, socketMs: 3000 };

/** Builds a channel, hands it to fn and always closes it. */
async function withChannel(config: SmtpChannelConfig, fn: (ch: Channel) => Promise<void>, opts: SmtpChannelOptions = {}): Promise<void> {
  const ch = createSmtpChannel({ from_address: 'no-reply@tessera.example', ...config }, { timeouts: FAST, ...opts });
  try {
    await fn(ch);
  } finally {
    await ch.close();
  }
}

async function deliveryFailure(p: Promise<unknown>): Promise<DeliveryError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof DeliveryError, `expected a DeliveryError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the delivery to fail');
}

function assertNoSecret(text: string): void {
  for (const s of [PASSWORD, encodeURIComponent(PASSWORD), Buffer.from(PASSWORD).toString('base64')]) {
    assert.ok(!text.includes(s), `"${text}" must not contain the password`);
  }
}

/** Unfolded value of one header of a raw message. */
function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

let pems: Pems;
before(() => {
  pems = makeCertificates();
});
after(() => {
  rmSync(pems.dir, { recursive: true, force: true });
});

describe('parseSmtpConnectionUri', () => {
  test('reads the URI as Kratos does, with default ports 587 (smtp) and 465 (smtps)', () => {
    const s = parseSmtpConnectionUri(`smtp://${CREDS}@mail.example.com/?disable_starttls=true&skip_ssl_verify=1&server_name=relay.example.com`);
    assert.deepEqual(s, {
      scheme: 'smtp',
      host: 'mail.example.com',
      port: 587,
      user: USER,
      password: PASSWORD,
      implicitTls: false,
      requireStartTls: false,
      cleartext: true,
      skipTlsVerify: true,
      serverName: 'relay.example.com',
    });
    const t = parseSmtpConnectionUri('smtps://mail.example.com');
    assert.equal(t.port, 465);
    assert.equal(t.implicitTls, true);
    assert.equal(t.requireStartTls, false);
    assert.equal(t.skipTlsVerify, false);
    assert.equal(t.serverName, 'mail.example.com');
    assert.equal(t.user, '');
    const u = parseSmtpConnectionUri('smtp://[::1]:2525/?disable_starttls=no&skip_ssl_verify=yes');
    assert.equal(u.host, '::1');
    assert.equal(u.port, 2525);
    assert.equal(u.requireStartTls, true, 'a value Go does not read as true leaves STARTTLS required');
    assert.equal(u.skipTlsVerify, false);
  });

  test('refuses unusable URIs without repeating them', () => {
    for (const uri of ['http://u:hunter2@mail.example.com', 'smtp://u:hunter2@[bad', 'smtp://u:hunter2%zz@mail.example.com']) {
      assert.throws(() => parseSmtpConnectionUri(uri), (err: Error) => {
        assert.ok(err instanceof SmtpConfigError);
        assert.match(err.message, /^courier\.smtp\.connection_uri: /);
        assert.ok(!err.message.includes('hunter2'), err.message);
        return true;
      });
    }
  });
});

describe('SMTP delivery failures', () => {
  test('a password echoed in any form is scrubbed from the message', () => {
    const uri = `smtp://${CREDS}@mail.example.com:587/`;
    const secrets = [...secretVariants(USER, PASSWORD), uri];
    const plain = Buffer.from(`\u0000${USER}\u0000${PASSWORD}`).toString('base64');
    const echoed = Object.assign(new Error(`Invalid login: 535 bad ${plain} / ${Buffer.from(PASSWORD).toString('base64')} at ${uri} (${PASSWORD})`), {
      code: 'EAUTH',
      responseCode: 535,
      command: 'AUTH PLAIN',
    });
    const err = toDeliveryError(echoed, secrets);
    assert.equal(err.permanent, false);
    assertNoSecret(err.message);
    assert.ok(!err.message.includes(plain) && !err.message.includes(uri), err.message);
    assert.equal(err.message, 'smtp: authentication failed: Invalid login: 535 bad *** / *** at *** (***)');
  });
});

describe('SMTP channel', () => {
  test('cleartext with disable_starttls: AUTH PLAIN with URL-encoded credentials, headers, Message-ID, both parts, EHLO name', async () => {
    const server = await startServer({ authMethods: ['PLAIN'] });
    try {
      const m = message();
      await withChannel(
        {
          connection_uri: `smtp://${CREDS}@127.0.0.1:${server.port}/?disable_starttls=true`,
          from_address: 'no-reply@tessera.example',
          from_name: 'Tessera Accounts',
          headers: {
            'X-SES-SOURCE-ARN': 'arn:aws:ses:us-west-2:123456789012:identity/tessera.example',
            'Reply-To': 'help@tessera.example',
            Bcc: 'audit@tessera.example',
          },
          local_name: 'courier.tessera.example',
        },
        (ch) => ch.send(m),
      );
      assert.equal(server.received.length, 1);
      const r = server.received[0];
      assert.equal(r.secure, false);
      assert.equal(r.user, USER);
      assert.equal(r.ehlo, 'courier.tessera.example');
      assert.equal(r.mailFrom, 'no-reply@tessera.example');
      // A Bcc header reaches the envelope (as in Kratos), not the message.
      assert.deepEqual(r.rcptTo.sort(), ['audit@tessera.example', 'user@example.com']);
      assert.equal(header(r.raw, 'Bcc'), undefined);
      assert.equal(header(r.raw, 'Message-ID'), `<${m.id}@tessera.example>`);
      assert.equal(header(r.raw, 'X-SES-SOURCE-ARN'), 'arn:aws:ses:us-west-2:123456789012:identity/tessera.example');
      assert.equal(header(r.raw, 'Reply-To'), 'help@tessera.example');
      assert.equal(header(r.raw, 'From'), 'Tessera Accounts <no-reply@tessera.example>');
      assert.equal(header(r.raw, 'To'), 'user@example.com');
      assert.equal(header(r.raw, 'Subject'), 'Recover access to your account');
      assert.match(header(r.raw, 'Content-Type') ?? '', /^multipart\/alternative;/);
      assert.match(r.raw, /Content-Type: text\/plain; charset=utf-8[\s\S]*Your recovery code is 123456/);
      assert.match(r.raw, /Content-Type: text\/html; charset=utf-8[\s\S]*<p>Your recovery code is <b>123456<\/b><\/p>/);
    } finally {
      await server.close();
    }
  });

  test('AUTH LOGIN; the EHLO name defaults to localhost; a re-sent message keeps its Message-ID; no HTML, no alternative', async () => {
    const server = await startServer({ authMethods: ['LOGIN'] });
    try {
      const m = message();
      await withChannel({ connection_uri: `smtp://${CREDS}@127.0.0.1:${server.port}/?disable_starttls=true` }, async (ch) => {
        await ch.send(m);
        await ch.send(m);
        await ch.send(message({ bodyHtml: undefined }));
      });
      assert.equal(server.received.length, 3);
      assert.match(header(server.received[2].raw, 'Content-Type') ?? '', /^text\/plain; charset=utf-8/);
      assert.equal(server.received[0].user, USER);
      assert.equal(server.received[0].ehlo, 'localhost');
      assert.equal(header(server.received[0].raw, 'Message-ID'), header(server.received[1].raw, 'Message-ID'));
    } finally {
      await server.close();
    }
  });

  test('the debug line of an accepted message carries the server reply without the password, and is not built when debug is off', async () => {
    // A server that echoes the password in its reply to DATA.
    const server = await startServer({
      authMethods: ['PLAIN'],
      onData(stream, _session, cb) {
        stream.on('data', () => {});
        stream.on('end', () => cb(null, `queued; you said ${PASSWORD}`));
      },
    });
    try {
      const lines: Array<Record<string, unknown>> = [];
      const logger = (debug: boolean) => ({
        debug: (obj: object) => lines.push(obj as Record<string, unknown>),
        warn: () => {},
        isLevelEnabled: (level: string) => debug && level === 'debug',
      });
      const uri = `smtp://${CREDS}@127.0.0.1:${server.port}/?disable_starttls=true`;
      await withChannel({ connection_uri: uri }, (ch) => ch.send(message()), { logger: logger(true) });
      assert.equal(lines.length, 1);
      const reply = String(lines[0].smtp_response);
      assert.match(reply, /queued; you said/);
      assert.ok(!reply.includes(PASSWORD) && !reply.includes(encodeURIComponent(PASSWORD)), reply);
      await withChannel({ connection_uri: uri }, (ch) => ch.send(message()), { logger: logger(false) });
      assert.equal(lines.length, 1, 'no debug line with debug off');
    } finally {
      await server.close();
    }
  });

  test('a refused login is retryable and its error holds no password', async () => {
    const server = await startServer({ authMethods: ['PLAIN'] });
    try {
      const wrong = `${encodeURIComponent(USER)}:${encodeURIComponent('wrong' + PASSWORD)}`;
      await withChannel({ connection_uri: `smtp://${wrong}@127.0.0.1:${server.port}/?disable_starttls=true` }, async (ch) => {
        const err = await deliveryFailure(ch.send(message()));
        assert.equal(err.permanent, false);
        assert.match(err.message, /authentication failed/);
        assertNoSecret(err.message);
        assertNoSecret(JSON.stringify(err.cause));
      });
      assert.equal(server.received.length, 0);
    } finally {
      await server.close();
    }
  });

  test('smtp:// requires STARTTLS: used when offered, delivery refused when not', async () => {
    const withTls = await startServer();
    const without = await startServer({ hideSTARTTLS: true, disabledCommands: ['STARTTLS'] });
    try {
      await withChannel({ connection_uri: `smtp://127.0.0.1:${withTls.port}/?skip_ssl_verify=true` }, (ch) => ch.send(message()));
      assert.equal(withTls.received.length, 1);
      assert.equal(withTls.received[0].secure, true);

      await withChannel({ connection_uri: `smtp://${CREDS}@127.0.0.1:${without.port}/?skip_ssl_verify=true` }, async (ch) => {
        const err = await deliveryFailure(ch.send(message()));
        assert.equal(err.permanent, false);
        assert.match(err.message, /^smtp: STARTTLS failed/);
        assertNoSecret(err.message);
      });
      assert.equal(without.received.length, 0);
    } finally {
      await withTls.close();
      await without.close();
    }
  });

  test('a self-signed certificate fails verification unless skip_ssl_verify=true', async () => {
    const server = await startServer();
    try {
      await withChannel({ connection_uri: `smtp://127.0.0.1:${server.port}/` }, async (ch) => {
        const err = await deliveryFailure(ch.send(message()));
        assert.equal(err.permanent, false);
        assert.match(err.message, /TLS failed: .*certificate/i);
      });
      assert.equal(server.received.length, 0);
      await withChannel({ connection_uri: `smtp://127.0.0.1:${server.port}/?skip_ssl_verify=true` }, (ch) => ch.send(message()));
      assert.equal(server.received.length, 1);
    } finally {
      await server.close();
    }
  });

  test('server_name: the certificate is checked against it and it is sent as SNI', async () => {
    const server = await startServer({ key: pems.serverKey, cert: pems.serverCert });
    try {
      // Trusted CA, but the certificate names mail.test, not 127.0.0.1.
      await withChannel({ connection_uri: `smtp://127.0.0.1:${server.port}/` }, async (ch) => {
        const err = await deliveryFailure(ch.send(message()));
        assert.equal(err.permanent, false);
        assert.match(err.message, /mail\.test|altnames|IP/i);
      }, { ca: pems.ca });
      assert.equal(server.received.length, 0);
      await withChannel({ connection_uri: `smtp://127.0.0.1:${server.port}/?server_name=mail.test` }, (ch) => ch.send(message()), { ca: pems.ca });
      assert.equal(server.received.length, 1);
      assert.equal(server.received[0].servername, 'mail.test');
    } finally {
      await server.close();
    }
  });

  test('smtps:// is implicit TLS', async () => {
    const server = await startServer({ secure: true, key: pems.serverKey, cert: pems.serverCert });
    try {
      await withChannel({ connection_uri: `smtps://${CREDS}@127.0.0.1:${server.port}/?server_name=mail.test` }, (ch) => ch.send(message()), { ca: pems.ca });
      assert.equal(server.received.length, 1);
      assert.equal(server.received[0].secure, true);
      assert.equal(server.received[0].user, USER);
      assert.equal(server.received[0].servername, 'mail.test');
      await withChannel({ connection_uri: `smtps://127.0.0.1:${server.port}/` }, async (ch) => {
        const err = await deliveryFailure(ch.send(message()));
        assert.equal(err.permanent, false);
      });
      assert.equal(server.received.length, 1);
    } finally {
      await server.close();
    }
  });

  test('a client certificate the server requires: accepted with it, refused without', async () => {
    const server = await startServer({ secure: true, key: pems.serverKey, cert: pems.serverCert, ca: pems.ca, requestCert: true, rejectUnauthorized: true });
    try {
      const uri = `smtps://127.0.0.1:${server.port}/?server_name=mail.test`;
      await withChannel({ connection_uri: uri, client_cert_path: pems.clientCertPath, client_key_path: pems.clientKeyPath }, (ch) => ch.send(message()), { ca: pems.ca });
      assert.equal(server.received.length, 1);
      await withChannel({ connection_uri: uri }, async (ch) => {
        const err = await deliveryFailure(ch.send(message()));
        assert.equal(err.permanent, false);
        assert.match(err.message, /certificate required|Connection closed|ECONNRESET/);
      }, { ca: pems.ca });
      assert.equal(server.received.length, 1);
    } finally {
      await server.close();
    }
  });

  test('client certificate settings are checked when the channel is built', () => {
    const base = { connection_uri: 'smtps://mail.example.com', from_address: 'no-reply@tessera.example' };
    const missing = join(pems.dir, 'missing.crt');
    assert.throws(() => createSmtpChannel({ ...base, client_cert_path: missing, client_key_path: pems.clientKeyPath }), (err: Error) => {
      assert.ok(err instanceof SmtpConfigError);
      assert.equal(err.key, 'client_cert_path');
      assert.ok(err.message.includes(missing) && err.message.includes('ENOENT'), err.message);
      return true;
    });
    assert.throws(() => createSmtpChannel({ ...base, client_cert_path: pems.clientCertPath }), /client_cert_path and client_key_path must be set together/);
    assert.throws(
      () => createSmtpChannel({ ...base, client_cert_path: pems.clientCertPath, client_key_path: join(pems.dir, 'server.key') }),
      /not a matching PEM certificate and private key/,
    );
    assert.throws(() => createSmtpChannel({ from_address: 'no-reply@tessera.example' }), /courier\.smtp\.connection_uri: is not set/);
  });

  test('an international address goes out with SMTPUTF8 when the server offers it', async () => {
    const server = await startServer();
    try {
      await withChannel({ connection_uri: `smtp://${CREDS}@127.0.0.1:${server.port}/?skip_ssl_verify=true` }, async (ch) => {
        await ch.send(message({ recipient: 'zoë@example.com' }));
        const rejected = await deliveryFailure(ch.send(message({ recipient: 'rejectë@example.com' })));
        assert.equal(rejected.permanent, true);
        assert.match(rejected.message, /550/);
      });
      assert.equal(server.received.length, 1);
      assert.equal(server.received[0].secure, true);
      assert.equal(server.received[0].smtpUtf8, true);
      assert.ok(server.commands.includes('MAIL FROM:<no-reply@tessera.example> SMTPUTF8'), server.commands.join(' | '));
      assert.equal(server.received[0].user, USER);
      assert.deepEqual(server.received[0].rcptTo, ['zoë@example.com']);
    } finally {
      await server.close();
    }
  });

  test('an international address to a server without SMTPUTF8 fails permanently; a non-ASCII domain goes as punycode', async () => {
    const server = await startServer({ hideSMTPUTF8: true });
    try {
      await withChannel({ connection_uri: `smtp://127.0.0.1:${server.port}/?skip_ssl_verify=true` }, async (ch) => {
        const err = await deliveryFailure(ch.send(message({ recipient: 'zoë@example.com' })));
        assert.equal(err.permanent, true);
        assert.match(err.message, /does not support SMTPUTF8/);
        assert.equal(server.received.length, 0);
        await ch.send(message({ recipient: 'user@bücher.example' }));
      });
      assert.equal(server.received.length, 1);
      // smtp-server shows the domain decoded; the wire carried punycode, without SMTPUTF8.
      assert.ok(server.commands.includes('RCPT TO:<user@xn--bcher-kva.example>'), server.commands.join(' | '));
      assert.equal(header(server.received[0].raw, 'To'), 'user@xn--bcher-kva.example');
      assert.equal(server.received[0].smtpUtf8, false);
      assert.equal(server.received[0].secure, true);
    } finally {
      await server.close();
    }
  });

  test('a recipient refused with 550 is permanent, with 450 retryable', async () => {
    const server = await startServer();
    try {
      await withChannel({ connection_uri: `smtp://127.0.0.1:${server.port}/?disable_starttls=true` }, async (ch) => {
        const rejected = await deliveryFailure(ch.send(message({ recipient: 'rejected@example.com' })));
        assert.equal(rejected.permanent, true);
        assert.match(rejected.message, /recipient rejected.*550/);
        const deferred = await deliveryFailure(ch.send(message({ recipient: 'deferred@example.com' })));
        assert.equal(deferred.permanent, false);
        assert.match(deferred.message, /450/);
        // The pooled connection is still good for the next message.
        await ch.send(message());
      });
      assert.equal(server.received.length, 1);
    } finally {
      await server.close();
    }
  });

  test('a message refused after DATA is permanent; a sender refused at MAIL FROM is retryable (configuration)', async () => {
    const server = await startServer();
    try {
      const uri = `smtp://127.0.0.1:${server.port}/?disable_starttls=true`;
      await withChannel({ connection_uri: uri }, async (ch) => {
        const err = await deliveryFailure(ch.send(message({ subject: 'SPAM offer' })));
        assert.equal(err.permanent, true);
        assert.match(err.message, /message rejected.*554/);
      });
      await withChannel({ connection_uri: uri, from_address: 'blocked@tessera.example' }, async (ch) => {
        const err = await deliveryFailure(ch.send(message()));
        assert.equal(err.permanent, false);
        assert.match(err.message, /550 5\.7\.1 Sender not allowed/);
      });
      assert.equal(server.received.length, 0);
    } finally {
      await server.close();
    }
  });

  test('an address that cannot go into an envelope is permanent and never sent', async () => {
    const server = await startServer();
    try {
      await withChannel({ connection_uri: `smtp://127.0.0.1:${server.port}/?disable_starttls=true` }, async (ch) => {
        for (const recipient of ['a@example.com\r\nRCPT TO:<b@example.com>', 'Someone <a@example.com>', 'a@example.com, b@example.com', 'no-at-sign']) {
          const err = await deliveryFailure(ch.send(message({ recipient })));
          assert.equal(err.permanent, true, recipient);
        }
      });
      assert.equal(server.connects, 0);
    } finally {
      await server.close();
    }
  });

  test('a server that is down is retryable, and the password stays out of the error', async () => {
    const server = await startServer();
    const port = server.port;
    await server.close();
    await withChannel({ connection_uri: `smtp://${CREDS}@127.0.0.1:${port}/?disable_starttls=true` }, async (ch) => {
      const started = Date.now();
      const err = await deliveryFailure(ch.send(message()));
      assert.equal(err.permanent, false);
      assert.match(err.message, /could not reach the server/);
      assertNoSecret(err.message);
      assert.ok(Date.now() - started < 1500);
    });
  });

  test('a server that never greets times out as a retryable failure', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      await withChannel(
        { connection_uri: `smtp://127.0.0.1:${port}/?disable_starttls=true` },
        async (ch) => {
          const started = Date.now();
          const err = await deliveryFailure(ch.send(message()));
          assert.equal(err.permanent, false);
          assert.match(err.message, /timed out|greeting/i);
          assert.ok(Date.now() - started < 1500);
        },
        { timeouts: { connectMs: 1000, greetingMs: 200, socketMs: 1000 } },
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  test('messages share a bounded pool of connections, which close() closes', async () => {
    const server = await startServer();
    try {
      const ch = createSmtpChannel(
        { connection_uri: `smtp://${CREDS}@127.0.0.1:${server.port}/?disable_starttls=true`, from_address: 'no-reply@tessera.example' },
        { timeouts: FAST, maxConnections: 2 },
      );
      await Promise.all(Array.from({ length: 8 }, (_, i) => ch.send(message({ recipient: `user${i}@example.com` }))));
      assert.equal(server.received.length, 8);
      assert.ok(server.connects <= 2, `${server.connects} connections`);
      assert.ok(server.open() >= 1);
      await ch.close();
      for (let i = 0; i < 50 && server.open() > 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(server.open(), 0);
      const err = await deliveryFailure(ch.send(message()));
      assert.equal(err.permanent, false);
    } finally {
      await server.close();
    }
  });
});
