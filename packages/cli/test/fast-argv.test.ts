/**
 * The deployment commands' fast command-line parser (fast-argv.ts) takes exactly what yargs takes,
 * with the same result, and leaves everything else (help, errors, odd forms) to yargs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDeployArgv, type DeployArgs } from "../src/fast-argv.js";
import { parseWithYargs } from "../src/main.js";

const KEYS = ["stack", "cwd", "verbose", "yes", "json", "parallel", "target", "refresh", "diff", "expectNoChanges", "local", "typecheck", "previewOnly"] as const;
const pick = (a: DeployArgs) => Object.fromEntries(KEYS.map((k) => [k, a[k]]));

async function viaYargs(argv: readonly string[]): Promise<{ command: string; args: DeployArgs } | "refused"> {
  let chosen: { command: string; args: DeployArgs } | undefined;
  const code = await parseWithYargs(argv, {
    set: () => undefined,
    setDeploy: (command, args) => (chosen = { command, args }),
    stderr: { write: () => true },
    verbose: () => undefined,
  });
  if (code !== undefined) return "refused";
  assert.ok(chosen, `yargs chose no deployment for ${argv.join(" ")}`);
  return chosen;
}

test("plain deployment command lines are parsed without yargs, to the same flags", async () => {
  const lines = [
    ["preview"],
    ["up", "--yes"],
    ["up", "-y", "--local", "--json"],
    ["destroy", "--yes", "-s", "prod", "-C", "../app"],
    ["preview", "--stack=prod", "--parallel", "8", "--diff", "--refresh"],
    ["up", "-p", "32", "-t", "urn:a", "--target", "urn:b", "--expect-no-changes"],
    ["preview", "--no-typecheck", "-v"],
    ["preview", "--typecheck"],
    ["refresh", "--yes", "--verbose"],
    ["refresh", "--preview-only", "--expect-no-changes"],
    ["destroy", "--yes", "--refresh"],
  ];
  for (const argv of lines) {
    const fast = parseDeployArgv(argv);
    assert.ok(fast, `the fast path takes ${argv.join(" ")}`);
    const slow = await viaYargs(argv);
    assert.notEqual(slow, "refused");
    if (slow === "refused") continue;
    assert.equal(fast.command, slow.command);
    assert.deepEqual(pick(fast.args), pick(slow.args), argv.join(" "));
  }
});

test("help, unknown flags, missing or refused values and repeated flags are left to yargs", () => {
  const lines = [
    ["preview", "--help"],
    ["up", "--yse"],
    ["up", "-s"],
    ["up", "-s", ""],
    ["up", "--parallel", "abc"],
    ["up", "--parallel", "0"],
    ["preview", "extra"],
    ["preview", "--no-local"],
    ["preview", "-s", "a", "-s", "b"],
    ["stack", "ls"],
    // A flag that command does not take: yargs refuses it.
    ["refresh", "--refresh"],
    ["refresh", "--no-typecheck"],
    ["destroy", "--typecheck"],
    ["up", "--preview-only"],
    ["new", "random"],
    [],
  ];
  for (const argv of lines) assert.equal(parseDeployArgv(argv), undefined, argv.join(" "));
});
