/**
 * Must NOT type-check (test/output-typing.test.ts): each line marked `// error TSnnnn` gives that error, no other line errs.
 */
import { CustomResource, output, type Output } from "@iac/sdk";

class Account extends CustomResource {
  declare readonly primaryEndpoints: Output<{ web: string }>;
  declare readonly ipAddress: Output<{ ip?: string } | undefined>;
  constructor(name: string) {
    super("test:index:Account", name, {}, {}, { module: "@test/things", outputs: ["primaryEndpoints", "ipAddress"] });
  }
}

const account = new Account("a");
export const typo = account.primaryEndpoints.webb; // error TS2551
export const wrong: Output<number> = account.primaryEndpoints.web; // error TS2322
export const maybe: Output<string> = account.ipAddress.ip; // error TS2322
export const notLiftedOnString = account.primaryEndpoints.web.length; // error TS2339
export const thenable = output({ then: 1 }).then; // error TS2339
export const arrayMethod = output([1, 2]).map; // error TS2339
// An Output of a narrower object is an Input of a Record, but not an Output of one (as in Pulumi).
export const notWider: Output<Record<string, string>> = output({ env: "dev" }); // error TS2322
