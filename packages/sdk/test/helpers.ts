/** Resource classes used by the tests. */
import { ComponentResource, CustomResource, ProviderResource, type ComponentResourceOptions, type CustomResourceOptions, type Output } from "@iac/sdk";

export class Thing extends CustomResource {
  declare readonly name: Output<string>;
  declare readonly size: Output<number>;
  declare readonly endpoint: Output<string>;
  declare readonly key: Output<string>;
  constructor(name: string, args: object, opts?: CustomResourceOptions) {
    super("test:index:Thing", name, args, opts, { module: "@test/things", outputs: ["name", "size", "endpoint", "key"] });
  }
}

export class Other extends CustomResource {
  constructor(name: string, args: object, opts?: CustomResourceOptions) {
    super("other:index:Other", name, args, opts, { module: "@test/other" });
  }
}

export class Group extends ComponentResource {
  constructor(name: string, opts?: ComponentResourceOptions, build?: (self: Group) => void) {
    super("test:index:Group", name, {}, opts);
    build?.(this);
  }
  publish(outputs: object): void {
    this.registerOutputs(outputs);
  }
}

export class TestProvider extends ProviderResource {
  constructor(name: string, args: object, opts?: CustomResourceOptions) {
    super("test", name, args, opts, { module: "@test/things" });
  }
}
