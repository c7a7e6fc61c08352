/** The abstract syntax tree the parser builds and the evaluator walks. */
import type { Loc } from './errors.js';

export type Hide = 0 | 1 | 2; // 0 = `:` (inherit), 1 = `::` (hidden), 2 = `:::` (forced visible)

export interface Param {
  name: string;
  def: Expr | null;
  loc: Loc;
}

export interface Bind {
  name: string;
  body: Expr;
  loc: Loc;
}

export interface Arg {
  name: string | null;
  expr: Expr;
}

export type CompSpec = { kind: 'for'; name: string; expr: Expr } | { kind: 'if'; cond: Expr };

export interface FieldNode {
  /** Static name, or null when computed by `nameExpr`. */
  name: string | null;
  nameExpr: Expr | null;
  hide: Hide;
  plus: boolean;
  body: Expr;
  loc: Loc;
}

export interface AssertNode {
  cond: Expr;
  msg: Expr | null;
  loc: Loc;
}

export type Expr =
  | { k: 'lit'; v: null | boolean | number | string; loc: Loc }
  | { k: 'self'; depth: number; loc: Loc }
  | { k: 'dollar'; depth: number; loc: Loc }
  | { k: 'var'; name: string; depth: number; idx: number; loc: Loc }
  | { k: 'array'; elems: Expr[]; loc: Loc }
  | { k: 'arrcomp'; body: Expr; specs: CompSpec[]; loc: Loc }
  | { k: 'object'; locals: Bind[]; fields: FieldNode[]; asserts: AssertNode[]; outermost: boolean; loc: Loc }
  | {
      k: 'objcomp';
      locals: Bind[];
      nameExpr: Expr;
      plus: boolean;
      body: Expr;
      specs: CompSpec[];
      outermost: boolean;
      loc: Loc;
    }
  | { k: 'index'; target: Expr; index: Expr; loc: Loc }
  | { k: 'superindex'; index: Expr; depth: number; loc: Loc }
  | { k: 'insuper'; key: Expr; depth: number; loc: Loc }
  | { k: 'slice'; target: Expr; start: Expr | null; end: Expr | null; step: Expr | null; loc: Loc }
  | { k: 'local'; binds: Bind[]; body: Expr; loc: Loc }
  | { k: 'apply'; fn: Expr; args: Arg[]; positional: number; tailstrict: boolean; loc: Loc }
  | { k: 'function'; params: Param[]; body: Expr; name: string; loc: Loc }
  | { k: 'if'; cond: Expr; then: Expr; else: Expr | null; loc: Loc }
  | { k: 'binary'; op: string; l: Expr; r: Expr; loc: Loc }
  | { k: 'unary'; op: string; e: Expr; loc: Loc }
  | { k: 'assert'; cond: Expr; msg: Expr | null; rest: Expr; loc: Loc }
  | { k: 'error'; e: Expr; loc: Loc }
  | { k: 'import'; kind: 'import' | 'importstr' | 'importbin'; path: string; loc: Loc };

/*
 * Environments are frames: arrays whose slot 0 is the enclosing frame. The static pass resolves
 * every variable to (depth, idx): follow slot 0 `depth` times, then read slot `idx`.
 *   root frame      [null, std]
 *   local frame     [parent, bind1, bind2, ...]
 *   function frame  [closure, param1, param2, ...]
 *   object frame    [base, self, superIndex, local1, local2, ...]  (one per field evaluation)
 *   for frame       [parent, element]
 */
export const OBJ_SELF = 1;
export const OBJ_SUPER = 2;
export const OBJ_LOCALS = 3;

export type ExprOf<K extends Expr['k']> = Extract<Expr, { k: K }>;
