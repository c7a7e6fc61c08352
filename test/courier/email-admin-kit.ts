// Loopback peers for the email admin tests: an SMTP server that requires a password the test can
// change, and a Microsoft Graph stand-in (token endpoint + sendMail) whose accepted client secrets
// the test can change.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface AuthMail {
  /** Envelope recipients. */
  rcpt: string[];
  from: string;
  mail: ParsedMail;
  raw: string;
}

/** A real SMTP server on loopback that requires AUTH with `user` and one of `passwords`. */
export class AuthSmtpServer {
  readonly received: AuthMail[] = [];
  readonly authFailures: string[] = [];
  passwords = new Set<string>();
  private server!: SMTPServer;
  port = 0;

  constructor(
    readonly user: string,
    password: string,
    private readonly opts: { starttls?: boolean } = {},
  ) {
    this.passwords.add(password);
  }

  async start(): Promise<this> {
    this.server = new SMTPServer({
      logger: false,
      allowInsecureAuth: true,
      disabledCommands: this.opts.starttls ? [] : ['STARTTLS'],
      authMethods: ['PLAIN', 'LOGIN'],
      disableReverseLookup: true,
      onAuth: (auth, _session, cb) => {
        if (auth.username === this.user && this.passwords.has(auth.password ?? '')) return cb(null, { user: auth.username });
        this.authFailures.push(auth.password ?? '');
        cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw)
            .then((mail) => {
              this.received.push({ rcpt: session.envelope.rcptTo.map((r) => r.address), from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', mail, raw });
              cb();
            })
            .catch(cb);
        });
      },
    });
    this.server.on('error', () => {});
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as { port: number }).port;
    return this;
  }

  /** A connection URI without the password (give it as `password`). */
  uri(extra = '?disable_starttls=true'): string {
    return `smtp://${this.user}@127.0.0.1:${this.port}/${extra}`;
  }

  async waitFor(n: number, timeoutMs = 20_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (Date.now() > until) throw new Error(`only ${this.received.length} of ${n} mails arrived within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Microsoft Graph on loopback: client-credentials tokens and sendMail. */
export class GraphStandIn {
  readonly sent: Array<{ mailbox: string; message: Record<string, any> }> = [];
  readonly tokenRequests: Array<{ clientId: string; secret: string; ok: boolean }> = [];
  secrets = new Set<string>();
  /** Tokens and the secret each was issued under; revoking a secret revokes its tokens. */
  private readonly tokens = new Map<string, string>();
  private server!: Server;
  url = '';

  constructor(
    readonly clientId: string,
    secret: string,
  ) {
    this.secrets.add(secret);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  /** The secret is no longer accepted and the tokens issued under it stop working. */
  revoke(secret: string): void {
    this.secrets.delete(secret);
    for (const [t, s] of this.tokens) if (s === secret) this.tokens.delete(t);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const json = (status: number, v: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(v));
    };
    if (req.url === '/tenant/oauth2/v2.0/token') {
      const form = new URLSearchParams(body);
      const clientId = form.get('client_id') ?? '';
      const secret = form.get('client_secret') ?? '';
      const ok = clientId === this.clientId && this.secrets.has(secret) && form.get('grant_type') === 'client_credentials';
      this.tokenRequests.push({ clientId, secret, ok });
      if (!ok) return json(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
      const token = randomBytes(16).toString('hex');
      this.tokens.set(token, secret);
      return json(200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
    }
    const m = /^\/v1\.0\/users\/([^/]+)\/sendMail$/.exec(req.url ?? '');
    if (m && req.method === 'POST') {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!this.tokens.has(token)) return json(401, { error: { code: 'InvalidAuthenticationToken' } });
      this.sent.push({ mailbox: decodeURIComponent(m[1]!), message: (JSON.parse(body) as { message: Record<string, any> }).message });
      res.writeHead(202);
      return void res.end();
    }
    json(404, { error: 'not found' });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export const waitUntil = async (what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
