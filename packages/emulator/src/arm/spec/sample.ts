/**
 * A value of a given type, for answers the local cloud has no real content for (the output of a
 * resource function without emulated behaviour). Deterministic for a given seed, so a client
 * calling twice sees the same answer; secret-looking strings are derived from the cloud's secret
 * (never stored, never a constant).
 */
import { createHash } from "node:crypto";
import { Flags, type ModuleSpec, type TypeRef } from "./model.js";

export interface SampleOptions {
  /** Seeds the values (the resource id and function name). */
  readonly seed: string;
  /** A secret value for a path (sensitive strings, keys, passwords). */
  readonly secret: (path: string) => string;
}

const SECRET_NAME = /(key|password|secret|token|connectionstring|sas)/i;

export function sample(mod: ModuleSpec, ref: TypeRef, options: SampleOptions): unknown {
  return value(mod, ref, options, "", "", 0);
}

function value(mod: ModuleSpec, ref: TypeRef, o: SampleOptions, path: string, name: string, depth: number): unknown {
  const t = mod.types[ref]!;
  switch (t.kind) {
    case "string": {
      if (t.sensitive || (SECRET_NAME.test(name) && !/name$/i.test(name))) return o.secret(path);
      const h = createHash("sha256").update(`${o.seed}|${path}`).digest("hex");
      const s = /id$/i.test(name) ? `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}` : `local-${h.slice(0, 12)}`;
      return t.maxLength !== undefined && s.length > t.maxLength ? s.slice(0, t.maxLength) : s;
    }
    case "int":
      return t.min ?? 0;
    case "bool":
      return false;
    case "any":
      return {};
    case "null":
      return null;
    case "literal":
      return t.value;
    case "union": {
      const lit = t.members.find((m) => mod.types[m]!.kind === "literal");
      return value(mod, lit ?? t.members[0]!, o, path, name, depth);
    }
    case "array":
      // One element shows the shape; deep arrays stay empty to keep answers small.
      return depth < 4 ? [value(mod, t.item, o, `${path}[0]`, name, depth + 1)] : [];
    case "object": {
      if (depth >= 5) return {};
      const out: Record<string, unknown> = {};
      for (const [k, p] of Object.entries(t.props)) {
        if (p.flags & Flags.WriteOnly) continue;
        out[k] = value(mod, p.type, o, path === "" ? k : `${path}.${k}`, k, depth + 1);
      }
      return out;
    }
    case "discriminated": {
      const first = Object.entries(t.elements)[0];
      if (first === undefined) return {};
      const base = value(mod, first[1], o, path, name, depth + 1) as Record<string, unknown>;
      return { ...base, [t.discriminator]: first[0] };
    }
  }
}
