/**
 * TypeScript source for `iac import`: the resource declaration a user adds to the program so that
 * the next `iac up` adopts an existing cloud object (the `import` resource option).
 */
import { isSecretValue } from "@iac/sdk/runtime";

/** What to declare. */
export interface DeclarationSpec {
  /** The type token, e.g. `azure:resources:ResourceGroup`; its last segment names the class. */
  readonly type: string;
  /** The logical name in the program. */
  readonly name: string;
  /** The cloud id (the value of the `import` option). */
  readonly id: string;
  /** Where the class is imported from. */
  readonly module: string;
  /** The inputs the provider read from the cloud. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Input keys whose values must not be printed (secrets). */
  readonly secretKeys: readonly string[];
}

/** The class a type token names: its last segment (`ResourceGroup` in `azure:resources:ResourceGroup`). */
export function classOf(type: string): string {
  return type.slice(type.lastIndexOf(":") + 1);
}

/** A variable name for a logical name: `my-web app` -> `myWebApp`; prefixed with `_` when it would start with a digit. */
export function variableOf(name: string): string {
  const words = name.split(/[^A-Za-z0-9_$]+/).filter((w) => w !== "");
  const joined = words.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join("");
  if (joined === "") return "imported";
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}

/**
 * The lines of the declaration: an import of the class and `const x = new Class("name", {...}, { import: "id" })`.
 * Secret inputs are left out, with a comment saying to set them from a secret config value:
 * `iac import` never prints a secret.
 */
export function declarationCode(spec: DeclarationSpec): string[] {
  const cls = classOf(spec.type);
  const lines = [`import { ${cls} } from ${JSON.stringify(spec.module)};`, ""];
  const keys = Object.keys(spec.inputs).sort();
  const secret = new Set(spec.secretKeys);
  const body: string[] = [];
  for (const key of keys) {
    const value = spec.inputs[key];
    if (value === undefined) continue;
    if (secret.has(key) || containsSecret(value)) {
      body.push(`  // ${propertyKey(key)}: a secret (not shown); set it from a secret config value (\`iac config set --secret\`).`);
      continue;
    }
    body.push(`  ${propertyKey(key)}: ${literal(value, "  ")},`);
  }
  const args = body.length === 0 ? "{}" : `{\n${body.join("\n")}\n}`;
  lines.push(`const ${variableOf(spec.name)} = new ${cls}(${JSON.stringify(spec.name)}, ${args}, { import: ${JSON.stringify(spec.id)} });`);
  return lines;
}

function containsSecret(value: unknown): boolean {
  if (isSecretValue(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsSecret);
  return false;
}

function propertyKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key);
}

/** A TypeScript literal of a JSON-like value, indented for nesting at `indent`. */
function literal(value: unknown, indent: string): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "object": {
      const inner = `${indent}  `;
      if (Array.isArray(value)) {
        if (value.length === 0) return "[]";
        const items = value.map((v) => literal(v, inner));
        const flat = `[${items.join(", ")}]`;
        return flat.length <= 80 && !flat.includes("\n") ? flat : `[\n${items.map((i) => `${inner}${i},`).join("\n")}\n${indent}]`;
      }
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      if (entries.length === 0) return "{}";
      return `{\n${entries.map(([k, v]) => `${inner}${propertyKey(k)}: ${literal(v, inner)},`).join("\n")}\n${indent}}`;
    }
    default:
      // Providers return JSON-like values; anything else has no literal form.
      return "undefined";
  }
}
