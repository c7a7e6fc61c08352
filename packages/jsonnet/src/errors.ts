/** Source files, locations and the two error kinds Jsonnet reports (static and runtime). */

export class SourceFile {
  private lineStarts: number[] | null = null;
  constructor(readonly name: string, readonly text: string) {}

  /** 1-based line and column of a UTF-16 offset; columns count code points like the reference. */
  position(offset: number): { line: number; col: number } {
    if (this.lineStarts === null) {
      const starts = [0];
      const t = this.text;
      for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) === 10) starts.push(i + 1);
      this.lineStarts = starts;
    }
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    let col = 1;
    for (let i = starts[lo]; i < offset; i++) {
      const c = this.text.charCodeAt(i);
      if (c < 0xdc00 || c > 0xdfff) col++;
    }
    return { line: lo + 1, col };
  }
}

/** A span of source text: begin offset inclusive, end offset exclusive. */
export interface Loc {
  readonly src: SourceFile;
  readonly b: number;
  readonly e: number;
}

export function formatLoc(loc: Loc, pointOnly = false): string {
  const a = loc.src.position(loc.b);
  if (pointOnly || loc.e <= loc.b) return `${loc.src.name}:${a.line}:${a.col}`;
  const z = loc.src.position(loc.e);
  if (a.line === z.line) return `${loc.src.name}:${a.line}:${a.col}-${z.col}`;
  return `${loc.src.name}:(${a.line}:${a.col})-(${z.line}:${z.col})`;
}

/** Base of every error this library throws on purpose. */
export class JsonnetError extends Error {
  override name = 'JsonnetError';
}

/** A lexing, parsing or static-analysis problem; found before any evaluation. */
export class StaticError extends JsonnetError {
  override name = 'StaticError';
  constructor(
    readonly rawMessage: string,
    readonly loc: Loc | null,
    pointOnly = false,
  ) {
    super(`STATIC ERROR: ${loc ? formatLoc(loc, pointOnly) + ': ' : ''}${rawMessage}`);
  }
}

export interface TraceFrame {
  loc: Loc | null;
  name: string;
}

/** An error raised while evaluating (including `error` expressions and failed asserts). */
export class RuntimeError extends JsonnetError {
  override name = 'RuntimeError';
  readonly trace: TraceFrame[] = [];
  /** Set when a safety limit (stack, steps, time, size) ended the evaluation. */
  limit: 'stack' | 'steps' | 'time' | 'size' | null = null;
  constructor(readonly rawMessage: string) {
    super(`RUNTIME ERROR: ${rawMessage}`);
  }

  /** Where evaluation stood in the innermost frame not yet recorded. */
  pendingLoc: Loc | null = null;
  private finished = false;

  /** Records that the error left a frame named `name`, entered from `callerLoc`. */
  unwind(name: string, callerLoc: Loc | null): void {
    if (this.finished) return;
    if (this.trace.length < 200) this.trace.push({ loc: this.pendingLoc, name });
    this.pendingLoc = callerLoc;
  }

  /** Closes the trace at the top level (`tail` like "During manifestation"). */
  finish(tail?: string): this {
    if (this.finished) return this;
    if (this.pendingLoc !== null) this.trace.push({ loc: this.pendingLoc, name: '' });
    this.pendingLoc = null;
    if (tail) this.trace.push({ loc: null, name: tail });
    this.finished = true;
    this.message = this.render();
    return this;
  }

  /** The text the `jsonnet` command line prints: message then one tab-indented line per frame. */
  render(): string {
    let s = `RUNTIME ERROR: ${this.rawMessage}`;
    const t = this.trace;
    const show = (f: TraceFrame) => (f.loc ? `\n\t${formatLoc(f.loc)}\t${f.name}` : `\n\t${f.name}\t`);
    if (t.length <= 20) for (const f of t) s += show(f);
    else {
      for (const f of t.slice(0, 10)) s += show(f);
      s += '\n\t...';
      for (const f of t.slice(-10)) s += show(f);
    }
    return s;
  }
}
