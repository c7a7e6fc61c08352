import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A file of Kratos's reference data (api.json, ui-text-messages.tsv, templates/), which lives beside
 * the checkout in `../shared/reference/kratos`, or wherever TESSERA_KRATOS_REFERENCE points.
 */
export function kratosReference(...parts: string[]): string {
  const dir = process.env.TESSERA_KRATOS_REFERENCE || fileURLToPath(new URL('../../../shared/reference/kratos', import.meta.url));
  return join(dir, ...parts);
}
