// Lexer for Go's template language. It turns the whole input into tokens in one pass.

export const enum T {
  Error,
  Bool,
  Char,
  CharConstant,
  Comment,
  Complex,
  Assign,
  Declare,
  EOF,
  Field,
  Identifier,
  LeftDelim,
  LeftParen,
  Number,
  Pipe,
  RawString,
  RightDelim,
  RightParen,
  Space,
  String,
  Text,
  Variable,
  // keywords
  Block,
  Break,
  Continue,
  Dot,
  Define,
  Else,
  End,
  If,
  Nil,
  Range,
  Template,
  With,
}

export interface Token {
  type: T;
  val: string;
  pos: number;
  line: number;
}

const KEYWORDS: Record<string, T> = {
  '.': T.Dot,
  block: T.Block,
  break: T.Break,
  continue: T.Continue,
  define: T.Define,
  else: T.Else,
  end: T.End,
  if: T.If,
  range: T.Range,
  nil: T.Nil,
  template: T.Template,
  with: T.With,
};

export function tokenName(t: Token): string {
  switch (t.type) {
    case T.EOF:
      return 'EOF';
    case T.Error:
      return t.val;
    default:
      return t.val.length > 10 && t.type !== T.Text ? JSON.stringify(t.val.slice(0, 10) + '...') : JSON.stringify(t.val);
  }
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string) => c === '_' || /[\p{L}\p{Nd}]/u.test(c);

export interface LexOptions {
  leftDelim?: string;
  rightDelim?: string;
  emitComment?: boolean;
}

export function lex(name: string, input: string, opts: LexOptions = {}): Token[] {
  const ld = opts.leftDelim || '{{';
  const rd = opts.rightDelim || '}}';
  const out: Token[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;
  let insideAction = false;

  const emit = (type: T, val = input.slice(start, pos)) => {
    out.push({ type, val, pos: start, line: startLine });
    start = pos;
    startLine = line;
  };
  const ignore = () => {
    line += countNL(input, start, pos);
    start = pos;
    startLine = line;
  };
  const next = (): string => {
    if (pos >= input.length) {
      pos = input.length + 1;
      return '';
    }
    const c = input[pos++];
    if (c === '\n') line++;
    return c;
  };
  const backup = () => {
    if (pos <= input.length && pos > 0) {
      pos--;
      if (input[pos] === '\n') line--;
    } else if (pos > input.length) pos = input.length;
  };
  const peek = (): string => (pos < input.length ? input[pos] : '');
  const error = (msg: string) => {
    out.push({ type: T.Error, val: msg, pos: start, line: startLine });
  };

  const hasLeftTrim = (at: number) => input[at] === '-' && at + 1 < input.length && isSpace(input[at + 1]);
  const atRightDelim = (): [boolean, boolean] => {
    // returns [delim, trimSpaces]
    if (isSpace(input[pos] ?? '') && input[pos + 1] === '-' && input.startsWith(rd, pos + 2)) return [true, true];
    if (input.startsWith(rd, pos)) return [true, false];
    return [false, false];
  };

  // Main loop: alternate text and actions.
  for (;;) {
    // lexText
    const x = input.indexOf(ld, pos);
    if (x < 0) {
      pos = input.length;
      line += countNL(input, start, pos);
      if (pos > start) {
        out.push({ type: T.Text, val: input.slice(start, pos), pos: start, line: startLine });
      }
      start = pos;
      startLine = line;
      out.push({ type: T.EOF, val: '', pos, line });
      return out;
    }
    pos = x;
    let trimLength = 0;
    const delimEnd = pos + ld.length;
    if (hasLeftTrim(delimEnd)) {
      // trim trailing space of text
      let i = pos;
      while (i > start && isSpace(input[i - 1])) i--;
      trimLength = pos - i;
    }
    line += countNL(input, start, pos);
    if (pos - trimLength > start) {
      out.push({ type: T.Text, val: input.slice(start, pos - trimLength), pos: start, line: startLine });
    }
    start = pos;
    startLine = line;
    // lexLeftDelim
    pos += ld.length;
    const trimSpace = hasLeftTrim(pos);
    const afterMarker = trimSpace ? 2 : 0;
    if (input.startsWith('/*', pos + afterMarker)) {
      pos += afterMarker;
      start = pos; // comment begins
      startLine = line;
      // lexComment
      const end = input.indexOf('*/', pos + 2);
      if (end < 0) {
        error('unclosed comment');
        return out;
      }
      pos = end + 2;
      line += countNL(input, start, pos);
      const [delim, trimR] = atRightDelim();
      if (!delim) {
        error('comment ends before closing delimiter');
        return out;
      }
      if (opts.emitComment) out.push({ type: T.Comment, val: input.slice(start, pos), pos: start, line: startLine });
      if (trimR) pos += 2;
      pos += rd.length;
      if (trimR) pos = skipSpace(pos);
      ignore();
      continue;
    }
    out.push({ type: T.LeftDelim, val: ld, pos: start, line: startLine });
    pos += afterMarker;
    ignore();
    parenDepth = 0;
    insideAction = true;
    // lexInsideAction
    while (insideAction) {
      const [delim, trimR] = atRightDelim();
      if (delim) {
        if (parenDepth === 0) {
          if (trimR) {
            pos += 1; // space
            ignore();
            pos += 1; // '-'
            ignore();
          }
          pos += rd.length;
          emit(T.RightDelim, rd);
          if (trimR) {
            pos = skipSpace(pos);
            ignore();
          }
          insideAction = false;
          break;
        }
        error('unclosed left paren');
        return out;
      }
      const c = next();
      if (c === '') {
        error('unclosed action');
        return out;
      }
      if (isSpace(c)) {
        backup();
        // lexSpace: stop before a trim marker " -}}"
        let numSpaces = 0;
        for (;;) {
          const r = peek();
          if (!isSpace(r)) break;
          next();
          numSpaces++;
          if (input[pos] === '-' && input.startsWith(rd, pos + 1)) {
            backup();
            break;
          }
        }
        if (pos === start) continue; // the space belongs to " -}}"
        emit(T.Space);
        continue;
      }
      if (c === '=') {
        emit(T.Assign);
      } else if (c === ':') {
        if (next() !== '=') {
          error('expected :=');
          return out;
        }
        emit(T.Declare);
      } else if (c === '|') {
        emit(T.Pipe);
      } else if (c === '"') {
        // lexQuote
        let closed = false;
        for (;;) {
          const r = next();
          if (r === '\\') {
            const r2 = next();
            if (r2 !== '' && r2 !== '\n') continue;
            error('unterminated quoted string');
            return out;
          }
          if (r === '' || r === '\n') {
            error('unterminated quoted string');
            return out;
          }
          if (r === '"') {
            closed = true;
            break;
          }
        }
        if (closed) emit(T.String);
      } else if (c === '`') {
        const end = input.indexOf('`', pos);
        if (end < 0) {
          error('unterminated raw quoted string');
          return out;
        }
        line += countNL(input, pos, end + 1);
        pos = end + 1;
        emit(T.RawString);
      } else if (c === '$') {
        // lexVariable
        if (!lexIdentChars()) {
          // just "$"
        }
        emit(T.Variable);
        if (!checkTerminator()) return out;
      } else if (c === "'") {
        for (;;) {
          const r = next();
          if (r === '\\') {
            const r2 = next();
            if (r2 !== '' && r2 !== '\n') continue;
            error('unterminated character constant');
            return out;
          }
          if (r === '' || r === '\n') {
            error('unterminated character constant');
            return out;
          }
          if (r === "'") break;
        }
        emit(T.CharConstant);
      } else if (c === '.') {
        // special look-ahead for ".field" so we don't break l.backup().
        if (pos < input.length) {
          const r = input[pos];
          if (r < '0' || r > '9') {
            // lexField
            if (isAlnum(r)) {
              lexIdentChars();
              emit(T.Field);
              if (!checkTerminator()) return out;
              continue;
            }
            emit(T.Dot);
            continue;
          }
        }
        backup();
        if (!lexNumber()) return out;
      } else if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
        backup();
        if (!lexNumber()) return out;
      } else if (isAlnum(c)) {
        backup();
        lexIdentChars();
        const word = input.slice(start, pos);
        if (!checkTerminatorAt()) {
          error(`bad character ${quoteRune(input.codePointAt(pos)!)}`);
          return out;
        }
        const kw = Object.hasOwn(KEYWORDS, word) ? KEYWORDS[word] : undefined;
        if (kw !== undefined && kw !== T.Dot) emit(kw);
        else if (word === 'true' || word === 'false') emit(T.Bool);
        else emit(T.Identifier);
      } else if (c === '(') {
        emit(T.LeftParen);
        parenDepth++;
      } else if (c === ')') {
        emit(T.RightParen);
        parenDepth--;
        if (parenDepth < 0) {
          out.pop();
          start = pos - 1;
          error('unexpected right paren');
          return out;
        }
      } else if (c.charCodeAt(0) <= 0x7f && c >= ' ' && c !== '\x7f') {
        emit(T.Char);
      } else {
        const cp = input.codePointAt(pos - 1)!;
        error(`bad character ${quoteRune(cp)}`);
        return out;
      }
    }
  }

  function skipSpace(p: number): number {
    while (p < input.length && isSpace(input[p])) {
      if (input[p] === '\n') line++;
      p++;
    }
    return p;
  }

  function lexIdentChars(): boolean {
    const s = pos;
    while (pos < input.length) {
      const c = input[pos];
      if (isAlnum(c)) pos++;
      else {
        const cp = input.codePointAt(pos)!;
        if (cp > 0xffff && /[\p{L}\p{Nd}]/u.test(String.fromCodePoint(cp))) pos += 2;
        else break;
      }
    }
    return pos > s;
  }

  function checkTerminatorAt(): boolean {
    if (pos >= input.length) return true;
    const r = input[pos];
    if (isSpace(r) || r === '.' || r === ',' || r === '|' || r === ':' || r === ')' || r === '(' || r === '=') return true;
    return input.startsWith(rd, pos);
  }

  function checkTerminator(): boolean {
    if (!checkTerminatorAt()) {
      start = pos;
      error(`bad character ${quoteRune(input.codePointAt(pos)!)}`);
      return false;
    }
    return true;
  }

  function lexNumber(): boolean {
    // scanNumber
    const accept = (valid: string) => {
      if (pos < input.length && valid.includes(input[pos])) {
        pos++;
        return true;
      }
      return false;
    };
    const acceptRun = (valid: string) => {
      while (pos < input.length && valid.includes(input[pos])) pos++;
    };
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (pos < input.length && isAlnum(input[pos])) {
      pos++;
      error(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
      return false;
    }
    if (input[start] === '+' || input[start] === '-') {
      if (pos === start + 1) {
        // a lone sign
        error(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
        return false;
      }
    }
    emit(input[pos - 1] === 'i' ? T.Complex : T.Number);
    return true;
  }
}

function countNL(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to && i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

export function quoteRune(cp: number): string {
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  const ch = String.fromCodePoint(cp);
  const printable = cp >= 0x20 && cp !== 0x7f && !(cp >= 0x80 && cp < 0xa0);
  return printable ? `U+${hex} '${ch}'` : `U+${hex}`;
}
