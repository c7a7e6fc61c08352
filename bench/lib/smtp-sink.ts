// An SMTP server that accepts and discards every message, in a process of its own so that whatever
// sends to it (Tessera's workers, or the direct baseline) talks to it across processes alike. It
// tells its parent its port once listening, then the number of messages received whenever it changes.
// Usage: forked with an IPC channel (see `sink()` in courier.bench.ts).
import { SMTPServer } from 'smtp-server';

let received = 0;
let reported = -1;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, done) {
    stream.on('data', () => {});
    stream.on('end', () => {
      received++;
      done();
    });
  },
});
server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.server.address() as { port: number }).port });
  setInterval(() => {
    if (received === reported) return;
    reported = received;
    process.send!({ received });
  }, 2);
});
process.on('disconnect', () => process.exit(0));
