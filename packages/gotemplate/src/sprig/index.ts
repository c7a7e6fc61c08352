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

const GENERIC: Readonly<FuncMap> = Object.freeze({ ...STRING_FUNCS, ...COLLECTION_FUNCS, ...MISC_FUNCS });
const HERMETIC: Readonly<FuncMap> = Object.freeze(
  Object.fromEntries(Object.entries(GENERIC).filter(([name]) => !NONHERMETIC_FUNCTIONS.includes(name))),
);

/** Sprig's GenericFuncMap (also TxtFuncMap / HtmlFuncMap): a fresh copy each call. */
export function sprigFuncMap(): FuncMap {
  return { ...GENERIC };
}

/** Sprig's HermeticTxtFuncMap / HermeticHtmlFuncMap: only repeatable functions; a fresh copy each call. */
export function sprigHermeticFuncMap(): FuncMap {
  return { ...HERMETIC };
}
