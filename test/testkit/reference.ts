import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notRun } from './outside.js';

/**
 * Kratos's reference data (api.json, ui-text-messages.tsv, templates/) is data the tests compare
 * against, not part of the repository: it lives beside the checkout in `../shared/reference/kratos`,
 * or wherever TESSERA_KRATOS_REFERENCE points.
 */
export function kratosReferenceDir(): string {
  return process.env.TESSERA_KRATOS_REFERENCE || fileURLToPath(new URL('../../../shared/reference/kratos', import.meta.url));
}

/** A file of Kratos's reference data. */
export function kratosReference(...parts: string[]): string {
  return join(kratosReferenceDir(), ...parts);
}

/**
 * `false` when the reference file is there; otherwise records that `what` did not run (throws under
 * CI=true) and returns the reason for node:test's `skip` option.
 */
export function skipWithoutKratosReference(file: string, what?: string): string | false {
  const path = kratosReference(file);
  if (existsSync(path)) return false;
  return notRun('Kratos reference data', `${path} not found; set TESSERA_KRATOS_REFERENCE to Kratos's reference folder`, what);
}
