/**
 * A first iac program: a random name suffix and a password, no cloud and no credentials needed.
 *
 *   npx iac up --yes                          # creates both and prints the outputs (the password masked)
 *   npx iac stack output --show-secrets
 *   npx iac config set suffixLength 8 && npx iac preview   # the suffix would be replaced
 *   npx iac destroy --yes
 */
import { Config, interpolate } from "@iac/sdk";
import { RandomPassword, RandomString } from "@iac/sdk/random";

const config = new Config();
const length = config.getNumber("suffixLength") ?? 6;

const suffix = new RandomString("suffix", { length, special: false, upper: false });
const password = new RandomPassword("admin-password", { length: 20, minSpecial: 2 });

/** A name built from the suffix: known only once the suffix exists. */
export const name = interpolate`app-${suffix.result}`;
/** Secret: masked in `iac up` and `iac stack output` unless `--show-secrets`. */
export const adminPassword = password.result;
