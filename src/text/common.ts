/** Pieces several flows' messages share. */
import { goDurationMinutes, goFixed, goTimeJSON, goUnix } from './go-format.js';
import { error, type UiText } from './message.js';

/** The text every "request already completed" message (4010007, 4040002, 4060001, 4070002) uses. */
export const RETRY_SUCCESS_TEXT = 'The request was already completed successfully and can not be retried.';

/** The flow expired; the text gives the minutes since `expiredAt` as of `now`. */
export function flowExpired(id: number, flow: string, expiredAt: Date, now: Date): UiText {
  const minutes = goDurationMinutes(expiredAt.getTime(), now.getTime());
  return error(id, `The ${flow} flow expired ${goFixed(minutes, 2)} minutes ago, please try again.`, {
    expired_at: goTimeJSON(expiredAt),
    expired_at_unix: goUnix(expiredAt),
  });
}

