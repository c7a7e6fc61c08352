// What the test-connection action answers, and a hint an admin can act on for each kind of failure.

export interface ConnectionTestResult {
  ok: boolean;
  channel: string;
  /** What failed, as the server or the library said it (secrets removed). */
  error?: string;
  /** What to change. */
  hint?: string;
}

const HINTS: Array<[RegExp, string]> = [
  [/authentication failed/i, 'The server refused the user name or password. Check them (was the password changed on the server?), and that the account may send mail over SMTP.'],
  [/STARTTLS/i, 'The server did not accept STARTTLS. If it expects TLS from the first byte (usually port 465), use smtps://; only on a network you trust, add ?disable_starttls=true to send in cleartext.'],
  [/TLS failed|certificate|self.signed|wrong version|protocol version|handshake/i, 'The TLS handshake failed. Check the server certificate (its name must match server_name or the host, and its issuer must be trusted) and the TLS versions allowed (smtp.tls).'],
  [/timed out|timeout/i, 'No answer in time. Check the host and port, that a firewall lets this server connect, and the timeouts (smtp.timeouts).'],
  [/could not reach|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH/i, 'The server cannot be reached. Check the host name and port, and that this server may connect to it.'],
  [/token endpoint replied with status code 4\d\d|invalid_client|unauthorized_client/i, 'The token endpoint refused the client credentials. Check client_id and client_secret (has the secret expired?) and the tenant in token_endpoint.'],
  [/invalid_scope/i, 'The token endpoint refused the scope. For Graph it is usually https://graph.microsoft.com/.default.'],
  [/token/i, 'No access token could be fetched. Check token_endpoint and that this server can reach it.'],
];

export function explainTestFailure(err: unknown): { error: string; hint: string } {
  const error = err instanceof Error ? err.message : String(err);
  const hint = HINTS.find(([re]) => re.test(error))?.[1] ?? 'Check the settings the error names.';
  return { error, hint };
}
