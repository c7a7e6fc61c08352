import { createHmac } from 'node:crypto';

// Standard Webhooks signatures (https://www.standardwebhooks.com/): each request carries
// `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`, a space-separated list
// of `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, one per configured secret, so a
// receiver can rotate its secret without a moment in which requests fail to verify.

/** The key bytes of a secret: `whsec_<base64>` as Standard Webhooks libraries issue them, else the UTF-8 bytes. */
export function signingKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** `v1,<base64 signature>` of one message under one key. */
export function signPayload(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return 'v1,' + createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
}

export class WebHookSigner {
  private readonly keys: Buffer[];

  constructor(secrets: readonly string[]) {
    this.keys = secrets.map(signingKey);
  }

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** The three Standard Webhooks headers for one attempt, or none when no secret is configured. */
  headers(id: string, body: string, now: Date): Record<string, string> {
    if (this.keys.length === 0) return {};
    const ts = Math.floor(now.getTime() / 1000);
    return {
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': this.keys.map((k) => signPayload(k, id, ts, body)).join(' '),
    };
  }
}
