/**
 * Must type-check (test/output-typing.test.ts): property access on Outputs as Pulumi programs write it.
 */
import { CustomResource, output, secret, type Input, type Output } from "@iac/sdk";

interface Endpoints {
  readonly web: string;
  readonly blob?: string;
}

class Account extends CustomResource {
  declare readonly primaryEndpoints: Output<Endpoints>;
  declare readonly ipAddress: Output<{ ip?: string; ports: { port: number }[] } | undefined>;
  declare readonly tags: Output<Record<string, string>>;
  constructor(name: string) {
    super("test:index:Account", name, {}, {}, { module: "@test/things", outputs: ["primaryEndpoints", "ipAddress", "tags"] });
  }
}

const account = new Account("a");
export const web: Output<string> = account.primaryEndpoints.web;
export const blob: Output<string | undefined> = account.primaryEndpoints.blob;
export const ip: Output<string | undefined> = account.ipAddress.ip;
export const port: Output<number | undefined> = account.ipAddress.ports[0].port;
export const count: Output<number | undefined> = account.ipAddress.ports.length;
export const first: Output<string> = output([{ name: "x" }])[0].name;
export const pw: Output<string> = secret({ password: "p" }).password;
// A lifted property is an Input like any Output, and an Output of a known shape is an Input of a
// wider one (Input takes the Output's instance, whatever its lifted properties are).
export const asInput: Input<string> = account.primaryEndpoints.web;
export const wider: Input<Record<string, string>> = output({ env: "dev" });
// An index signature is lifted too, typed as TypeScript types `record.key`.
export const env: Output<string> = account.tags.env;
export const tag: Output<string> = account.tags.apply((t) => t.env ?? "");
// An Output of `any` (an untyped JSON property) lifts any name, as an Output of `any`.
declare const settings: Output<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export const deep: Output<unknown> = settings.commandToExecute.parts[0];
export const settingsApplied: Output<string> = settings.apply((s: { a: string }) => s.a);
// The Output's own members are still its members.
export const applied: Output<number> = account.primaryEndpoints.apply((e) => e.web.length);
