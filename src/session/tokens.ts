import { createHash } from 'node:crypto';
import { randomAlnum } from '../lib/ids.js';

/** Session tokens look like Kratos's (`ory_st_` + 32 alphanumerics) so clients that sniff the prefix keep working. */
export const newSessionToken = (): string => `ory_st_${randomAlnum(32)}`;
export const newLogoutToken = (): string => `ory_lo_${randomAlnum(32)}`;

/** Tokens are stored and looked up by digest. They carry 190 bits of entropy, so a plain hash suffices. */
export const digestToken = (token: string): string => createHash('sha256').update(token).digest('hex');
