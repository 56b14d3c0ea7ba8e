/**
 * Flux's post-build variable substitution (`spec.postBuild`, fluxcd/pkg kustomize `SubstituteVariables`
 * with fluxcd/pkg envsubst, which replaces only the `${var}` forms, never a bare `$var`): each built
 * object's YAML is rendered, `${var}`, `${var:-default}`, `${var-default}`, `${var:=default}` and
 * `${var=default}` are replaced, and `$${var}` is kept as the literal `${var}`. A variable without a
 * value becomes empty (Flux's default, non-strict mode). Objects labelled or annotated
 * `kustomize.toolkit.fluxcd.io/substitute: disabled` are left alone.
 */
import { parse, stringify } from "yaml";
import type { KubeObject } from "./objects.js";

export const SUBSTITUTE_KEY = "kustomize.toolkit.fluxcd.io/substitute";
const VAR_NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

/** A variable name Flux refuses; the message is Flux's (`'%s' var name is invalid, must match '%s'`). */
export function invalidVarName(name: string): string | undefined {
  return VAR_NAME.test(name) ? undefined : `'${name}' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'`;
}

/** Replace the variables in one text. */
export function substituteText(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$(\$?)\{([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[-=])([^}]*))?\}/g, (whole, escaped: string, name: string, op: string | undefined, dflt: string | undefined) => {
    if (escaped === "$") return whole.slice(1);
    const value = vars.get(name);
    if (op === undefined) return value ?? "";
    const unsetOrEmpty = op.startsWith(":") ? value === undefined || value === "" : value === undefined;
    return unsetOrEmpty ? (dflt ?? "") : value!;
  });
}

function disabled(obj: KubeObject): boolean {
  return obj.metadata.labels?.[SUBSTITUTE_KEY] === "disabled" || obj.metadata.annotations?.[SUBSTITUTE_KEY] === "disabled";
}

/** Substitute the variables in each object (objects that opt out are returned as they are). */
export function substituteObjects(objects: readonly KubeObject[], vars: ReadonlyMap<string, string>): KubeObject[] {
  return objects.map((o) => (disabled(o) ? o : (parse(substituteText(stringify(o), vars)) as KubeObject)));
}
