// Text the server produced itself (a rendered message, a channel's error reply) can still hold
// characters a column cannot: PostgreSQL refuses NUL, and no database stores a lone surrogate.
// Failing to record that a message was sent or failed would leave it leased, to be claimed and sent
// again when the lease runs out, forever. Such characters are replaced, as a decoder would.
const UNSTORABLE = /\u0000|\p{Cs}/gu;

export function storableText(s: string): string {
  return s.replace(UNSTORABLE, '\uFFFD');
}
