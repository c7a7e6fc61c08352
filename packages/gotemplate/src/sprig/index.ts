// The Sprig v3 function maps: the generic map and the hermetic one (no environment, randomness
// or current time), as Masterminds/sprig exposes them.

import type { FuncMap } from '../funcs.js';
import { COLLECTION_FUNCS } from './collections.js';
import { MISC_FUNCS } from './misc.js';
import { STRING_FUNCS } from './strings.js';

/** Functions Sprig leaves out of its hermetic maps. */
export const NONHERMETIC_FUNCTIONS: readonly string[] = [
  'date', 'date_in_zone', 'date_modify', 'now', 'htmlDate', 'htmlDateInZone', 'dateInZone', 'dateModify',
  'randAlphaNum', 'randAlpha', 'randAscii', 'randNumeric', 'randBytes', 'uuidv4',
  'env', 'expandenv',
  'getHostByName',
];

/** Sprig's GenericFuncMap (also TxtFuncMap / HtmlFuncMap): a fresh copy each call. */
export function sprigFuncMap(): FuncMap {
  return { ...STRING_FUNCS, ...COLLECTION_FUNCS, ...MISC_FUNCS };
}

/** Sprig's HermeticTxtFuncMap / HermeticHtmlFuncMap: only repeatable functions. */
export function sprigHermeticFuncMap(): FuncMap {
  const m = sprigFuncMap();
  for (const name of NONHERMETIC_FUNCTIONS) delete m[name];
  return m;
}
