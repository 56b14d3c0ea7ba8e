/** `Manifest`: one Kubernetes object of any kind. */
import { CustomResource, InputError, Output, type CustomResourceOptions } from "@iac/sdk";
import { OBJECT_OUTPUTS, protectSecretData, secretOutputsFor, type ObjectArgs } from "./object-args.js";
import { MODULE, TYPES } from "./types.js";

/** Args of {@link Manifest}: `{ object }`, or the object's own fields. */
export type ManifestArgs = { readonly object: ObjectArgs } | ObjectArgs;

/**
 * One Kubernetes object of any kind, applied with server-side apply (field manager `iac`).
 * Deployments wait until available and CRDs until Established (customTimeouts bounds the wait);
 * changes to immutable fields (a Deployment's selector, ...) replace the object; a field removed
 * from the program is removed from the object.
 *
 * @example
 * const cm = new Manifest("settings", {
 *   apiVersion: "v1", kind: "ConfigMap",
 *   metadata: { name: "settings", namespace: "web" },
 *   data: { LOG_LEVEL: "info" },
 * });
 * new Manifest("app", { object: YAML.parse(text) });
 */
export class Manifest extends CustomResource {
  declare readonly apiVersion: Output<string>;
  declare readonly kind: Output<string>;
  /** The live metadata (uid, resourceVersion, labels, ...). */
  declare readonly metadata: Output<Record<string, any>>;
  declare readonly spec: Output<Record<string, any> | undefined>;
  /** What the object's controllers report. */
  declare readonly status: Output<Record<string, any> | undefined>;
  declare readonly data: Output<Record<string, string> | undefined>;

  constructor(name: string, args: ManifestArgs, opts?: CustomResourceOptions) {
    const fields = fieldsOf(args, name);
    super(TYPES.manifest, name, protectSecretData(fields), { ...opts, additionalSecretOutputs: secretOutputsFor(fields.kind, opts?.additionalSecretOutputs) }, {
      module: MODULE,
      outputs: [...OBJECT_OUTPUTS],
    });
  }
}

function fieldsOf(args: ManifestArgs, name: string): ObjectArgs {
  if (args === null || typeof args !== "object") throw new InputError(`Manifest "${name}": args must be an object ({ object } or the object's fields).`);
  if ("object" in args && !("kind" in args)) {
    const o = args.object as unknown;
    if (o === null || typeof o !== "object" || Output.isInstance(o) || typeof (o as PromiseLike<unknown>).then === "function") {
      throw new InputError(`Manifest "${name}": object must be a plain object (its fields may be Outputs), not an Output or a promise of one.`);
    }
    return o as ObjectArgs;
  }
  return args as ObjectArgs;
}
