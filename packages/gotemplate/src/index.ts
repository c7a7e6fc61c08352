// @tessera/gotemplate: Go's text/template and html/template, with Sprig functions.

export { Template, newTemplate, newHTMLTemplate, parseGlob, parseFiles, glob, matchPattern } from './template.js';
export type { TemplateOptions } from './template.js';
export { ExecError } from './exec.js';
export type { MissingKey, ExecLimits } from './exec.js';
export { ParseError, Tree } from './parse.js';
export { goFunc, isGoFunc } from './funcs.js';
export type { FuncMap, GoFunc, ParamType, TemplateFunc } from './funcs.js';
export { SafeContent, safeHTML, safeHTMLAttr, safeJS, safeJSStr, safeCSS, safeURL, safeSrcset } from './html/content.js';
export type { ContentKind } from './html/content.js';
export { GoTime, Location, loadLocation, fixedZone, UTC, formatDuration, parseDuration } from './time.js';
export { MISSING, asStringSlice } from './values.js';
export { sprintf, sprint, sprintln } from './fmt.js';
export { htmlEscapeString, jsEscapeString, queryEscape } from './builtins.js';
export { sprigFuncMap, sprigHermeticFuncMap, NONHERMETIC_FUNCTIONS } from './sprig/index.js';
export { SemverVersion } from './sprig/semver.js';
export { GoFloat } from './values.js';
