// Template and template sets, mirroring Go's text/template.Template (and html/template when
// created in HTML mode).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BUILTINS } from './builtins.js';
import { ExecError, execute } from './exec.js';
import type { ExecContext, ExecLimits, MissingKey } from './exec.js';
import type { FuncMap, TemplateFunc } from './funcs.js';
import { isGoFunc } from './funcs.js';
import { escapeTemplate, HTML_ESCAPERS } from './html/escape.js';
import { ParseError, Tree, goQuote, isEmptyTree, parse } from './parse.js';

export interface TemplateOptions {
  /** html/template mode: contextual auto-escaping of every action */
  html?: boolean;
  /** behaviour for a missing map key: default/invalid print "<no value>", zero gives nil, error fails */
  missingKey?: MissingKey;
  /** maximum nesting of {{template}} calls (default 1000) */
  maxCallDepth?: number;
  /** maximum output size in characters (default 16 MiB) */
  maxOutputSize?: number;
  /** maximum range iterations per execution (default 10 million) */
  maxIterations?: number;
}

class Common implements ExecContext {
  readonly tmpl = new Map<string, Template>();
  readonly funcs = new Map<string, TemplateFunc>();
  missingKey: MissingKey = 'default';
  limits: ExecLimits;
  readonly html: boolean;
  /** html mode: names whose trees are escaped, and trees derived for other contexts */
  readonly escaped = new Set<string>();
  readonly derived = new Map<string, Tree>();
  executed = false;

  constructor(opts: TemplateOptions) {
    this.html = !!opts.html;
    this.missingKey = opts.missingKey ?? 'default';
    this.limits = {
      maxCallDepth: opts.maxCallDepth ?? 1000,
      maxOutputSize: opts.maxOutputSize ?? 16 * 1024 * 1024,
      maxIterations: opts.maxIterations ?? 10_000_000,
    };
  }

  lookupTree(name: string): Tree | undefined {
    const d = this.derived.get(name);
    if (d) return d;
    return this.tmpl.get(name)?.tree ?? undefined;
  }

  findFunc(name: string): TemplateFunc | undefined {
    const f = this.funcs.get(name);
    if (f) return f;
    if (this.html) {
      if (Object.hasOwn(HTML_ESCAPERS, name)) return HTML_ESCAPERS[name];
    }
    return Object.hasOwn(BUILTINS, name) ? BUILTINS[name] : undefined;
  }

  hasFunction(name: string): boolean {
    return this.funcs.has(name) || Object.hasOwn(BUILTINS, name);
  }
}

const IDENT = /^[\p{L}_][\p{L}\p{Nd}_]*$/u;

export class Template {
  tree: Tree | null = null;
  private leftDelim = '';
  private rightDelim = '';
  private readonly common: Common;

  constructor(
    readonly name: string,
    opts: TemplateOptions | Common = {},
  ) {
    this.common = opts instanceof Common ? opts : new Common(opts);
  }

  /** True when this set does html/template escaping. */
  get isHTML(): boolean {
    return this.common.html;
  }

  /** A new template associated with this one (same set, functions and options). */
  new(name: string): Template {
    const t = new Template(name, this.common);
    t.leftDelim = this.leftDelim;
    t.rightDelim = this.rightDelim;
    return t;
  }

  /** Adds functions to the set. Plain JS functions take any arguments; use goFunc for typed ones. */
  funcs(map: FuncMap): this {
    for (const [name, fn] of Object.entries(map)) {
      if (!IDENT.test(name)) throw new Error(`function name ${goQuote(name)} is not a valid identifier`);
      if (typeof fn !== 'function' && !isGoFunc(fn)) throw new Error(`value for ${name} not a function`);
      this.common.funcs.set(name, fn);
    }
    return this;
  }

  delims(left: string, right: string): this {
    this.leftDelim = left;
    this.rightDelim = right;
    return this;
  }

  /** Go's Option: "missingkey=default|invalid|zero|error". */
  option(...opts: string[]): this {
    for (const o of opts) {
      const m = /^missingkey=(default|invalid|zero|error)$/.exec(o);
      if (!m) {
        if (o.startsWith('missingkey=')) throw new Error(`unrecognized option: ${o}`);
        throw new Error(`unrecognized option: ${o}`);
      }
      this.common.missingKey = m[1] as MissingKey;
    }
    return this;
  }

  setLimits(limits: Partial<ExecLimits>): this {
    this.common.limits = { ...this.common.limits, ...limits };
    return this;
  }

  /** Parses text as the body of this template; {{define}}d templates join the set. */
  parse(text: string): this {
    if (this.common.html && this.common.executed) throw new Error('html/template: cannot Parse after Execute');
    let trees: Map<string, Tree>;
    try {
      trees = parse(this.name, text, {
        leftDelim: this.leftDelim,
        rightDelim: this.rightDelim,
        hasFunction: (n) => this.common.hasFunction(n),
      });
    } catch (e) {
      if (e instanceof RangeError) throw new ParseError(`template: ${this.name}: template is nested too deeply`);
      throw e;
    }
    for (const [name, tree] of trees) this.addParseTree(name, tree);
    return this;
  }

  addParseTree(name: string, tree: Tree): Template {
    let nt: Template = this;
    if (name !== this.name) nt = this.common.tmpl.get(name) ?? this.new(name);
    const old = this.common.tmpl.get(name);
    if (old && old.tree && isEmptyTree(tree.root)) return old;
    this.common.tmpl.set(name, nt);
    nt.tree = tree;
    return nt;
  }

  lookup(name: string): Template | undefined {
    return this.common.tmpl.get(name);
  }

  templates(): Template[] {
    return [...this.common.tmpl.values()];
  }

  /** "; defined templates are: ..." as Go's DefinedTemplates, or "". */
  definedTemplates(): string {
    const names = [...this.common.tmpl.entries()].filter(([, t]) => t.tree).map(([n]) => goQuote(n));
    if (!names.length) return '';
    return '; defined templates are: ' + names.join(', ');
  }

  /** Applies the template to data and returns the output. Throws ExecError; never a partial result. */
  execute(data?: unknown): string {
    return this.run(this.name, data, true);
  }

  executeTemplate(name: string, data?: unknown): string {
    const t = this.common.tmpl.get(name);
    if (!t) {
      if (this.common.html) throw new ExecError(`html/template: ${goQuote(name)} is undefined`);
      throw new ExecError(`template: no template ${goQuote(name)} associated with template ${goQuote(this.name)}`);
    }
    return this.run(name, data, false);
  }

  private run(name: string, data: unknown, self: boolean): string {
    const c = this.common;
    const t = self ? this : c.tmpl.get(name)!;
    if (!t.tree) {
      if (c.html) throw new ExecError(`html/template: ${goQuote(name)} is an incomplete or empty template`);
      throw new ExecError(`template: ${name}: ${goQuote(name)} is an incomplete or empty template`);
    }
    if (c.html) {
      c.executed = true;
      if (!c.escaped.has(name)) escapeTemplate(c, name);
    }
    try {
      return execute(c, name, t.tree, data);
    } catch (e) {
      if (e instanceof RangeError) throw new ExecError(`template: ${name}: execution nested too deeply (${e.message})`);
      throw e;
    }
  }

  /** A copy of the set: later Parse or Funcs calls on either do not affect the other. */
  clone(): Template {
    if (this.common.html && this.common.executed) throw new Error(`html/template: cannot Clone ${goQuote(this.name)} after it has executed`);
    const c = new Common({ html: this.common.html, missingKey: this.common.missingKey, ...this.common.limits });
    for (const [k, v] of this.common.funcs) c.funcs.set(k, v);
    const nt = new Template(this.name, c);
    nt.leftDelim = this.leftDelim;
    nt.rightDelim = this.rightDelim;
    for (const [name, t] of this.common.tmpl) {
      const copy = name === this.name ? nt : nt.new(name);
      copy.tree = t.tree ? new Tree(t.tree.name, t.tree.parseName, t.tree.text, structuredClone(t.tree.root)) : null;
      c.tmpl.set(name, copy);
    }
    return nt;
  }

  /** Parses the named files; each becomes a template named by its base name (Go's ParseFiles). */
  parseFiles(...files: string[]): this {
    if (files.length === 0) throw new Error('template: no files named in call to ParseFiles');
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const name = basename(f);
      const tmpl = name === this.name ? this : (this.common.tmpl.get(name) ?? this.new(name));
      tmpl.parse(text);
      if (!this.common.tmpl.has(name)) this.common.tmpl.set(name, tmpl);
    }
    return this;
  }

  /**
   * Go's ParseFS over a directory: parses the files under `root` matching any of the patterns
   * (relative to `root`, e.g. "email.body*" or "recovery/valid/email.subject.gotmpl").
   */
  parseFS(root: string, ...patterns: string[]): this {
    const files: string[] = [];
    for (const p of patterns) {
      const found = glob(join(root, p));
      if (found.length === 0) throw new Error(`template: pattern matches no files: \`${p}\``);
      for (const f of found) if (!files.includes(f)) files.push(f);
    }
    return this.parseFiles(...files);
  }

  /** Parses the files matching a glob (Go's ParseGlob; "*", "?" and "[...]" in any path element). */
  parseGlob(pattern: string): this {
    const files = glob(pattern);
    if (files.length === 0) throw new Error(`template: pattern matches no files: \`${pattern}\``);
    return this.parseFiles(...files);
  }
}

/** Like Go's template.New(name). */
export function newTemplate(name: string, opts: TemplateOptions = {}): Template {
  return new Template(name, opts);
}

/** Like Go's html/template.New(name). */
export function newHTMLTemplate(name: string, opts: TemplateOptions = {}): Template {
  return new Template(name, { ...opts, html: true });
}

/** Go's template.ParseGlob: a new set named after the first matching file. */
export function parseGlob(pattern: string, opts: TemplateOptions & { funcs?: FuncMap } = {}): Template {
  const files = glob(pattern);
  if (files.length === 0) throw new Error(`template: pattern matches no files: \`${pattern}\``);
  const t = new Template(basename(files[0]), opts);
  if (opts.funcs) t.funcs(opts.funcs);
  return t.parseFiles(...files);
}

/** Go's template.ParseFiles. */
export function parseFiles(files: string[], opts: TemplateOptions & { funcs?: FuncMap } = {}): Template {
  if (files.length === 0) throw new Error('template: no files named in call to ParseFiles');
  const t = new Template(basename(files[0]), opts);
  if (opts.funcs) t.funcs(opts.funcs);
  return t.parseFiles(...files);
}

// ---- glob (filepath.Match semantics per element) --------------------------------------

function hasMeta(s: string): boolean {
  return /[*?[\\]/.test(s);
}

/** filepath.Match for one path element. */
export function matchPattern(pattern: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new Error('syntax error in pattern');
      let cls = pattern.slice(i + 1, end);
      if (cls[0] === '^') cls = '^' + cls.slice(1);
      re += '[' + cls.replace(/\\/g, '\\\\').replace(/^\^/, '^') + ']';
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(re + '$', 'u').test(name);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export function glob(pattern: string): string[] {
  if (!hasMeta(pattern)) {
    try {
      statSync(pattern);
      return [pattern];
    } catch {
      return [];
    }
  }
  const dir = dirname(pattern);
  const file = basename(pattern);
  const dirs = hasMeta(dir) ? glob(dir) : [dir];
  const out: string[] = [];
  for (const d of dirs) {
    let entries: string[];
    try {
      if (!statSync(d).isDirectory()) continue;
      entries = readdirSync(d).sort();
    } catch {
      continue;
    }
    for (const e of entries) if (matchPattern(file, e)) out.push(join(d, e));
  }
  return out;
}

export { ParseError, ExecError };
