import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { after, before } from 'node:test';
import pino from 'pino';
import type { DatabaseFactory, TestDatabase } from './databases.js';
import { startTestServer, type TestServer } from './server.js';
import { createCourierWorker } from '../../src/courier/setup.js';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  raw: ParsedMail;
}

/**
 * A real SMTP server on loopback that keeps what it receives, for tests that read the email a flow
 * sent (the code, the link) the way a user would.
 */
export class TestMailbox {
  readonly received: ReceivedMail[] = [];
  private server!: SMTPServer;
  port = 0;

  /** Starts listening, on `port` when given (e.g. to come back where a configuration points). */
  async start(port = 0): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
            this.received.push({
              to: to?.value[0]?.address ?? '',
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              html: typeof mail.html === 'string' ? mail.html : '',
              messageId: mail.messageId ?? '',
              raw: mail,
            });
            callback();
          })
          .catch(callback);
      },
    });
    // Clients that die mid-conversation (a killed worker) reset their connection; that is expected here.
    this.server.on('error', () => {});
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as { port: number }).port;
    return this;
  }

  /** `courier.smtp.connection_uri` for this mailbox. */
  get connectionUri(): string {
    return `smtp://127.0.0.1:${this.port}/?disable_starttls=true`;
  }

  /** Waits for a mail to an address (and matching a predicate) to arrive. */
  async waitFor(to: string, predicate: (m: ReceivedMail) => boolean = () => true, timeoutMs = 10_000): Promise<ReceivedMail> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = this.received.find((x) => x.to.toLowerCase() === to.toLowerCase() && predicate(x));
      if (m) return m;
      if (Date.now() > until) throw new Error(`no mail to ${to} within ${timeoutMs} ms (received: ${this.received.map((x) => `${x.to}: ${x.subject}`).join('; ')})`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Server configuration that delivers email into the mailbox. */
export const mailboxConfig = (mailbox: TestMailbox) => ({
  courier: { smtp: { connection_uri: mailbox.connectionUri, from_address: 'no-reply@tessera.test' }, worker: { pull_wait: '50ms' } },
});

/** Runs a courier worker for a test server (watching the stored email settings) until the returned function is called. */
export function runCourier(s: TestServer, opts: { pollMs?: number } = {}): () => Promise<void> {
  const { worker, channels } = createCourierWorker(s.registry.config, s.registry.persister.courier, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), [], {
    settings: s.registry.emailSettings,
    pollMs: opts.pollMs ?? 100,
  });
  const started = channels.start().then(() => worker.start());
  return async () => {
    await started;
    await worker.stop();
    await channels.close();
  };
}

/** The six-digit code in a mail. */
export const codeIn = (m: ReceivedMail): string => {
  const c = /\b(\d{6})\b/.exec(m.text);
  if (!c) throw new Error(`no code in mail "${m.subject}"`);
  return c[1]!;
};

/** The first link in a mail's text that starts with `prefix`. */
export const linkIn = (m: ReceivedMail, prefix: string): string => {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const l = new RegExp(`${escaped}[^\\s<>"']+`).exec(m.text);
  if (!l) throw new Error(`no link starting with ${prefix} in mail "${m.subject}"`);
  return l[0];
};

/** What a mail suite provides to its tests once its `before` hook ran. */
export interface MailSuite {
  db: TestDatabase;
  s: TestServer;
  mailbox: TestMailbox;
}

/**
 * The set-up most flow suites share: for the enclosing `describe`, a fresh database from `factory`,
 * a real SMTP sink, a test server configured by `config` (given the sink) and a courier worker
 * delivering into it; all torn down after the suite. `ready` receives them once they exist.
 */
export function mailSuite(factory: DatabaseFactory, config: (mailbox: TestMailbox) => Record<string, unknown>, ready: (suite: MailSuite) => void): void {
  let suite: Partial<MailSuite> = {};
  let stopCourier: (() => Promise<void>) | undefined;
  before(async () => {
    const db = await factory.create();
    suite.db = db;
    const mailbox = await new TestMailbox().start();
    suite.mailbox = mailbox;
    const s = await startTestServer({ dsn: db.dsn, config: config(mailbox) });
    suite.s = s;
    stopCourier = runCourier(s);
    ready({ db, s, mailbox });
  });
  after(async () => {
    await stopCourier?.();
    await suite.s?.close();
    await suite.mailbox?.stop();
    await suite.db?.drop();
    suite = {};
  });
}
