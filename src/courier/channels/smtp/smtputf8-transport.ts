import type { MailMessage, SentMessageInfo, Transport } from 'nodemailer/lib/mailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SMTPConnectionAuth, SMTPConnectionOptions } from 'nodemailer/lib/smtp-connection';
import { SmtpUtf8UnsupportedError } from './delivery-failure.js';

// A nodemailer transport for the rare message whose envelope needs SMTPUTF8 (RFC 6531): an address
// with non-ASCII characters before the @. nodemailer adds the SMTPUTF8 parameter when the server
// advertises it, but when the server does not it sends the address anyway, and the server may
// mangle it or bounce it later. This transport opens one connection per message, reads the
// server's final EHLO reply (after STARTTLS) on that very connection and refuses to send when
// SMTPUTF8 is not in it, so the check and the delivery can never disagree.

export interface SmtpUtf8TransportOptions {
  connection: SMTPConnectionOptions;
  auth?: SMTPConnectionAuth;
}

const EHLO_SMTPUTF8 = /^\d{3}[ -]SMTPUTF8\b/im;

export function createSmtpUtf8Transport(opts: SmtpUtf8TransportOptions): Transport & { close(): void } {
  const open = new Set<SMTPConnection>();
  return {
    name: 'tessera-smtputf8',
    version: '1',
    close() {
      for (const c of open) c.close();
      open.clear();
    },
    send(mail: MailMessage<SentMessageInfo>, callback: (err: Error | null, info?: SentMessageInfo) => void) {
      const conn = new SMTPConnection(opts.connection);
      open.add(conn);
      let done = false;
      const finish = (err: Error | null, info?: SentMessageInfo) => {
        if (done) return;
        done = true;
        open.delete(conn);
        if (err) conn.close();
        else conn.quit();
        callback(err, info);
      };
      // Persistent listeners: an error after the answer (say, during QUIT) must not go unhandled.
      conn.on('error', (err: Error) => finish(err));
      conn.on('end', () => finish(Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION' })));
      const deliver = () => {
        const envelope = mail.message.getEnvelope();
        const messageId = mail.message.messageId();
        conn.send(envelope, mail.message.createReadStream(), (err, info) => {
          if (err) return finish(err);
          finish(null, { ...info, envelope, messageId });
        });
      };
      conn.connect((err) => {
        if (err) return finish(err);
        // The connect callback runs on the last EHLO reply, so this is the list of extensions
        // the session we are about to use offers. A server answering only HELO has none.
        const ehlo = typeof conn.lastServerResponse === 'string' ? conn.lastServerResponse : '';
        if (!EHLO_SMTPUTF8.test(ehlo)) return finish(new SmtpUtf8UnsupportedError());
        if (opts.auth && conn.allowsAuth) {
          conn.login({ ...opts.auth }, (loginErr) => (loginErr ? finish(loginErr) : deliver()));
        } else {
          deliver();
        }
      });
    },
  };
}
