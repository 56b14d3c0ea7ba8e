/** `Namespace`: a Kubernetes namespace. */
import { CustomResource, type CustomResourceOptions, type Input, type Output } from "@iac/sdk";
import type { ObjectMetaArgs } from "./object-args.js";
import { MODULE, TYPES } from "./types.js";

/** Args of {@link Namespace}. */
export interface NamespaceArgs {
  /** `metadata.name` defaults to the resource name plus a random suffix. */
  readonly metadata?: Input<Omit<ObjectMetaArgs, "namespace">>;
  readonly spec?: Input<{ readonly finalizers?: Input<Input<string>[]> }>;
}

/**
 * A namespace. Create returns once it is Active; delete waits until the cluster has removed
 * everything in it and the namespace is gone.
 *
 * @example
 * const web = new Namespace("web", { metadata: { name: "web", labels: { team: "frontend" } } });
 */
export class Namespace extends CustomResource {
  declare readonly metadata: Output<Record<string, any>>;
  declare readonly spec: Output<Record<string, any> | undefined>;
  declare readonly status: Output<{ phase?: string } | undefined>;

  constructor(name: string, args: NamespaceArgs = {}, opts?: CustomResourceOptions) {
    super(TYPES.namespace, name, { apiVersion: "v1", kind: "Namespace", ...args }, opts, { module: MODULE, outputs: ["apiVersion", "kind", "metadata", "spec", "status"] });
  }
}
