/**
 * The outputs a resource to be updated shows its dependents during preview. Exact where the value
 * cannot change, unknown where it may: a preview that marks every output unknown shows each
 * dependent as "may change" (a replace, when the dependent's property replaces) that `up` then
 * leaves alone.
 *
 * - an output the provider lists in `stableOutputs` (an in-place update never changes it): the old value;
 * - an output named like an input: the new input's value (known or unknown), as now;
 * - any other output: unknown.
 *
 * A stable path inside an object (`metadata.uid`) is grafted onto the input's echo of that object,
 * or, when no input has its name, kept in the old object whose other properties become unknown.
 */
import { UNKNOWN, type PropertyMap, type PropertyValue } from "@iac/sdk/provider";
import { isSecretValue, wrapSecret } from "@iac/sdk/runtime";

/** Stable paths as a tree: `true` keeps the whole value, a subtree keeps some of its properties. */
type PathTree = { [key: string]: PathTree | true };

/** What {@link updatePreviewOutputs} needs; maps are in state form (secrets wrapped). */
export interface UpdatePreviewInput {
  /** The outputs recorded before the update. */
  readonly oldOutputs: PropertyMap;
  /** The checked new inputs. */
  readonly inputs: PropertyMap;
  /** The provider's `stableOutputs` (top-level names or dotted paths). */
  readonly stableOutputs?: readonly string[];
}

/** The outputs dependents see, in preview, of a resource that `update` will change in place. */
export function updatePreviewOutputs(o: UpdatePreviewInput): PropertyMap {
  const tree = pathTree(o.stableOutputs ?? []);
  const outputs: PropertyMap = {};
  for (const k in o.oldOutputs) outputs[k] = UNKNOWN;
  Object.assign(outputs, o.inputs);
  for (const k in tree) {
    const node = tree[k]!;
    const old = o.oldOutputs[k];
    if (old === undefined) continue;
    if (node === true) outputs[k] = old;
    else if (k in o.inputs) outputs[k] = graft(o.inputs[k]!, old, node);
    else outputs[k] = keep(old, node);
  }
  return outputs;
}

function pathTree(paths: readonly string[]): PathTree {
  const tree: PathTree = {};
  for (const path of paths) {
    const keys = path.split(".");
    let node = tree;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const at = node[key];
      if (at === true) break; // an ancestor is kept whole already
      if (i === keys.length - 1) node[key] = true;
      else node = node[key] = at ?? {};
    }
  }
  return tree;
}

function isPlainObject(v: PropertyValue | undefined): v is { [key: string]: PropertyValue } {
  return v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v) && !isSecretValue(v);
}

/** The input's echo with the stable properties of `node` taken from the old output. */
function graft(input: PropertyValue, old: PropertyValue, node: PathTree): PropertyValue {
  // Into a secret or a value of another shape there is nothing to graft onto: the echo stands.
  if (!isPlainObject(input) || !isPlainObject(old)) return input;
  const out: { [key: string]: PropertyValue } = { ...input };
  for (const k in node) {
    const child = node[k]!;
    const before = old[k];
    if (before === undefined) continue;
    if (child === true) out[k] = before;
    else if (k in input) out[k] = graft(input[k]!, before, child);
    else out[k] = keep(before, child);
  }
  return out;
}

/** The old value with only the stable properties of `node` known. */
function keep(old: PropertyValue, node: PathTree): PropertyValue {
  if (isSecretValue(old)) return wrapSecret(keep(old.value, node)) as unknown as PropertyValue;
  if (!isPlainObject(old)) return UNKNOWN;
  const out: { [key: string]: PropertyValue } = {};
  for (const k in old) {
    const child = node[k];
    out[k] = child === undefined ? UNKNOWN : child === true ? old[k]! : keep(old[k]!, child);
  }
  return out;
}
