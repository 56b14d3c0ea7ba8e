/**
 * An empty iac program: declare resources here (`new ResourceGroup(...)`, ...); its named exports
 * are the stack's outputs.
 *
 *   npx iac preview                 # what `up` would change
 *   npx iac up --yes
 */
import { Config } from "@iac/sdk";

const config = new Config();

/** An example output: the stack's `greeting` config value, or "hello". */
export const greeting = config.get("greeting") ?? "hello";
