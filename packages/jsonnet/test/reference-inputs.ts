// The external variables and top-level arguments every differential program is evaluated with,
// shared by the golden-file generator and the test that reads the golden file.
export const ctx = JSON.stringify({
  recipient: '+15551234567',
  body: 'Your code is 123456 — valid for 15 minutes.',
  identity: { id: 'f2c0c4d5-1a2b-4c3d-9e8f-001122334455', traits: { email: 'user@example.com' } },
  flow: { type: 'browser' },
  request_headers: { 'User-Agent': ['test'], Accept: ['*/*'] },
  template_data: { identity: { traits: { email: 'user@example.com' } }, recovery_code: '987654' },
});
export const claims = JSON.stringify({ sub: '123', email: 'gh@example.com', email_verified: true, given_name: 'Grace', family_name: 'Hopper' });

/** One program and what the reference made of it: its output, or that it failed (and the first line of why). */
export interface GoldenCase {
  code: string;
  output?: string;
  error?: string;
}

export interface GoldenFile {
  reference: string;
  cases: GoldenCase[];
}

export const GOLDEN_COUNT = 400;
export const goldenPath = new URL('./golden/reference.json', import.meta.url);
