/**
 * A small subset of CEL, enough for the `x-kubernetes-validations` rules of Flux's CRDs (and
 * rules of the same shape): `self`, field selection (`self.spec.kind`), `has(self.x)`,
 * `size(x)` / `x.size()`, string, integer, boolean and null literals, `!`, `&&`, `||`, `==`, `!=`,
 * `<`, `<=`, `>`, `>=`, `in` (a list), `+` (numbers, strings, lists), `-`, and parentheses.
 * A rule using anything else (macros such as `all`/`exists`, `oldSelf`, functions, `?:`) is
 * reported unsupported and not evaluated: `compileRule` returns undefined.
 */

type Token =
  | { readonly t: "id"; readonly v: string }
  | { readonly t: "str"; readonly v: string }
  | { readonly t: "num"; readonly v: number }
  | { readonly t: "op"; readonly v: string };

type Node =
  | { readonly k: "lit"; readonly v: unknown }
  | { readonly k: "self" }
  | { readonly k: "sel"; readonly of: Node; readonly field: string }
  | { readonly k: "has"; readonly of: Node; readonly field: string }
  | { readonly k: "size"; readonly of: Node }
  | { readonly k: "not"; readonly of: Node }
  | { readonly k: "neg"; readonly of: Node }
  | { readonly k: "bin"; readonly op: string; readonly l: Node; readonly r: Node }
  | { readonly k: "list"; readonly items: readonly Node[] };

/** Why a rule could not be compiled or evaluated. */
export class CelError extends Error {}

const OPS = ["&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "(", ")", "[", "]", ",", ".", "+", "-"];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let v = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\" && j + 1 < src.length) {
          const e = src[j + 1]!;
          v += e === "n" ? "\n" : e === "t" ? "\t" : e;
          j += 2;
        } else v += src[j++];
      }
      if (j >= src.length) throw new CelError("unterminated string literal");
      out.push({ t: "str", v });
      i = j + 1;
      continue;
    }
    const num = /^\d+/.exec(src.slice(i));
    if (num) {
      out.push({ t: "num", v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: "id", v: id[0] });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op === undefined) throw new CelError(`unsupported character '${c}'`);
    out.push({ t: "op", v: op });
    i += op.length;
  }
  return out;
}

class Parser {
  #pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const n = this.or();
    if (this.#pos !== this.tokens.length) throw new CelError("unexpected input after the expression");
    return n;
  }
  #peek(): Token | undefined {
    return this.tokens[this.#pos];
  }
  #isOp(v: string): boolean {
    const t = this.#peek();
    return t !== undefined && (t.t === "op" || t.t === "id") && t.v === v;
  }
  #expect(v: string): void {
    if (!this.#isOp(v)) throw new CelError(`expected '${v}'`);
    this.#pos++;
  }
  or(): Node {
    let l = this.and();
    while (this.#isOp("||")) {
      this.#pos++;
      l = { k: "bin", op: "||", l, r: this.and() };
    }
    return l;
  }
  and(): Node {
    let l = this.rel();
    while (this.#isOp("&&")) {
      this.#pos++;
      l = { k: "bin", op: "&&", l, r: this.rel() };
    }
    return l;
  }
  rel(): Node {
    let l = this.add();
    for (;;) {
      const op = ["==", "!=", "<=", ">=", "<", ">", "in"].find((o) => this.#isOp(o));
      if (op === undefined) return l;
      this.#pos++;
      l = { k: "bin", op, l, r: this.add() };
    }
  }
  add(): Node {
    let l = this.unary();
    for (;;) {
      const op = ["+", "-"].find((o) => this.#isOp(o));
      if (op === undefined) return l;
      this.#pos++;
      l = { k: "bin", op, l, r: this.unary() };
    }
  }
  unary(): Node {
    if (this.#isOp("!")) {
      this.#pos++;
      return { k: "not", of: this.unary() };
    }
    if (this.#isOp("-")) {
      this.#pos++;
      return { k: "neg", of: this.unary() };
    }
    return this.member();
  }
  member(): Node {
    let n = this.primary();
    while (this.#isOp(".")) {
      this.#pos++;
      const t = this.tokens[this.#pos++];
      if (t?.t !== "id") throw new CelError("expected a field name after '.'");
      if (this.#isOp("(")) {
        if (t.v !== "size") throw new CelError(`unsupported function '${t.v}'`);
        this.#expect("(");
        this.#expect(")");
        n = { k: "size", of: n };
      } else n = { k: "sel", of: n, field: t.v };
    }
    return n;
  }
  primary(): Node {
    const t = this.tokens[this.#pos++];
    if (t === undefined) throw new CelError("unexpected end of the expression");
    if (t.t === "str" || t.t === "num") return { k: "lit", v: t.v };
    if (t.t === "op" && t.v === "(") {
      const n = this.or();
      this.#expect(")");
      return n;
    }
    if (t.t === "op" && t.v === "[") {
      const items: Node[] = [];
      while (!this.#isOp("]")) {
        items.push(this.or());
        if (!this.#isOp("]")) this.#expect(",");
      }
      this.#pos++;
      return { k: "list", items };
    }
    if (t.t === "id") {
      switch (t.v) {
        case "self":
          return { k: "self" };
        case "true":
        case "false":
          return { k: "lit", v: t.v === "true" };
        case "null":
          return { k: "lit", v: null };
        case "has": {
          this.#expect("(");
          const arg = this.member();
          this.#expect(")");
          if (arg.k !== "sel") throw new CelError("has() takes a field selection");
          return { k: "has", of: arg.of, field: arg.field };
        }
        case "size": {
          this.#expect("(");
          const arg = this.or();
          this.#expect(")");
          return { k: "size", of: arg };
        }
        default:
          throw new CelError(`unsupported identifier '${t.v}'`);
      }
    }
    throw new CelError(`unexpected '${t.v}'`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function equal(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => equal(a[k], b[k]));
  }
  return a === b;
}

function evaluate(n: Node, self: unknown): unknown {
  switch (n.k) {
    case "lit":
      return n.v;
    case "self":
      return self;
    case "sel": {
      const of = evaluate(n.of, self);
      if (!isObject(of) || !(n.field in of)) throw new CelError(`no such key: ${n.field}`);
      return of[n.field];
    }
    case "has": {
      const of = evaluate(n.of, self);
      if (!isObject(of)) throw new CelError(`no such key: ${n.field}`);
      return of[n.field] !== undefined;
    }
    case "size": {
      const of = evaluate(n.of, self);
      if (typeof of === "string") return [...of].length;
      if (Array.isArray(of)) return of.length;
      if (isObject(of)) return Object.keys(of).length;
      throw new CelError("no matching overload for 'size'");
    }
    case "not": {
      const v = evaluate(n.of, self);
      if (typeof v !== "boolean") throw new CelError("no matching overload for '!_'");
      return !v;
    }
    case "neg": {
      const v = evaluate(n.of, self);
      if (typeof v !== "number") throw new CelError("no matching overload for '-_'");
      return -v;
    }
    case "list":
      return n.items.map((i) => evaluate(i, self));
    case "bin":
      return binary(n.op, n.l, n.r, self);
    default: {
      const never: never = n;
      return never;
    }
  }
}

function binary(op: string, ln: Node, rn: Node, self: unknown): unknown {
  if (op === "&&" || op === "||") {
    // CEL's logical operators are commutative over errors: a decided side wins.
    let l: unknown;
    let lErr: unknown;
    try {
      l = evaluate(ln, self);
    } catch (e) {
      lErr = e;
    }
    if (op === "||" && l === true) return true;
    if (op === "&&" && l === false) return false;
    const r = evaluate(rn, self);
    if (op === "||" && r === true) return true;
    if (op === "&&" && r === false) return false;
    if (lErr !== undefined) throw lErr;
    if (typeof l !== "boolean" || typeof r !== "boolean") throw new CelError(`no matching overload for '_${op}_'`);
    return op === "||" ? l || r : l && r;
  }
  const l = evaluate(ln, self);
  const r = evaluate(rn, self);
  switch (op) {
    case "==":
      return equal(l, r);
    case "!=":
      return !equal(l, r);
    case "in":
      if (Array.isArray(r)) return r.some((x) => equal(x, l));
      if (isObject(r) && typeof l === "string") return l in r;
      throw new CelError("no matching overload for '@in'");
    case "+":
      if (typeof l === "number" && typeof r === "number") return l + r;
      if (typeof l === "string" && typeof r === "string") return l + r;
      if (Array.isArray(l) && Array.isArray(r)) return [...l, ...r];
      throw new CelError("no matching overload for '_+_'");
    case "-":
      if (typeof l === "number" && typeof r === "number") return l - r;
      throw new CelError("no matching overload for '_-_'");
    default: {
      const comparable = (typeof l === "number" && typeof r === "number") || (typeof l === "string" && typeof r === "string");
      if (!comparable) throw new CelError(`no matching overload for '_${op}_'`);
      const a = l as number | string;
      const b = r as number | string;
      return op === "<" ? a < b : op === "<=" ? a <= b : op === ">" ? a > b : a >= b;
    }
  }
}

/** A compiled rule: true when `self` satisfies it; throws CelError when evaluation fails. */
export type CompiledRule = (self: unknown) => boolean;

/** Compile a rule of the supported subset; undefined when it uses anything else. */
export function compileRule(rule: string): CompiledRule | undefined {
  let ast: Node;
  try {
    ast = new Parser(tokenize(rule)).parse();
  } catch (e) {
    if (e instanceof CelError) return undefined;
    throw e;
  }
  return (self) => {
    const v = evaluate(ast, self);
    if (typeof v !== "boolean") throw new CelError("rule did not evaluate to a boolean");
    return v;
  };
}
