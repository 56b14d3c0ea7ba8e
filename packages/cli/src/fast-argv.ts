/**
 * The command line of `iac preview | up | destroy | refresh`, parsed without yargs (issue 12:
 * startup). yargs, its layout helpers and their Unicode tables cost about a fifth of an empty
 * preview's CPU time, and the deployment commands are the ones run all day. Only a command line
 * this parser understands completely is taken here; anything else (help, an unknown or malformed
 * flag, a value a flag refuses) returns undefined and goes to yargs, which gives the usual
 * messages. packages/cli/test/fast-argv.test.ts checks that both parse the same lines the same.
 */
import { parseArgs } from "node:util";
import { nonEmpty, positiveInteger } from "./flags.js";

export const DEPLOY_COMMANDS = ["preview", "up", "destroy", "refresh"] as const;
export type DeployCommand = (typeof DEPLOY_COMMANDS)[number];

/** The flags only some deployment commands take (the others every one takes). */
export type DeployFlag = "refresh" | "expect-no-changes" | "typecheck" | "preview-only";

/**
 * Which of those each command takes: `destroy` and `refresh` do not run the program, so they do
 * not type-check it; `refresh --refresh` says nothing; `--preview-only` is refresh's own (`iac
 * preview` is the preview of `up`). main.ts builds each command's help from this table.
 */
export const DEPLOY_FLAGS: Readonly<Record<DeployCommand, readonly DeployFlag[]>> = {
  preview: ["refresh", "expect-no-changes", "typecheck"],
  up: ["refresh", "expect-no-changes", "typecheck"],
  destroy: ["refresh", "expect-no-changes"],
  refresh: ["expect-no-changes", "preview-only"],
};

/** The flags of a deployment command, as main.ts hands them on (yargs' camelCase names). */
export interface DeployArgs {
  readonly stack?: string;
  readonly cwd?: string;
  readonly verbose: boolean;
  readonly yes: boolean;
  readonly json: boolean;
  readonly parallel?: number;
  readonly target?: string[];
  /** Absent for `refresh`, which does not take it. */
  readonly refresh?: boolean;
  readonly diff: boolean;
  readonly expectNoChanges: boolean;
  readonly local: boolean;
  readonly typecheck?: boolean;
  /** `refresh --preview-only`; absent for the other commands. */
  readonly previewOnly?: boolean;
}

const OPTIONS = {
  stack: { type: "string", short: "s" },
  cwd: { type: "string", short: "C" },
  verbose: { type: "boolean", short: "v" },
  yes: { type: "boolean", short: "y" },
  json: { type: "boolean" },
  parallel: { type: "string", short: "p" },
  target: { type: "string", short: "t", multiple: true },
  refresh: { type: "boolean" },
  diff: { type: "boolean" },
  "expect-no-changes": { type: "boolean" },
  local: { type: "boolean" },
  typecheck: { type: "boolean" },
  "preview-only": { type: "boolean" },
} as const;

/** `iac <deploy command> [flags]` when this parser understands all of it; else undefined (yargs parses it). */
export function parseDeployArgv(argv: readonly string[]): { readonly command: DeployCommand; readonly args: DeployArgs } | undefined {
  const [command, ...rest] = argv;
  if (!(DEPLOY_COMMANDS as readonly string[]).includes(command ?? "")) return undefined;
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    const parsed = parseArgs({ args: [...rest], options: OPTIONS, strict: true, allowPositionals: false, allowNegative: true });
    values = parsed.values as typeof values;
  } catch {
    return undefined;
  }
  // A flag this command does not take: yargs refuses it, with its message.
  const only = new Set<string>(["refresh", "expect-no-changes", "typecheck", "preview-only"] satisfies DeployFlag[]);
  const takes = DEPLOY_FLAGS[command as DeployCommand] as readonly string[];
  if (Object.keys(values).some((k) => only.has(k) && !takes.includes(k))) return undefined;
  // --no-x of a flag other than --no-typecheck: yargs' business (and its messages).
  if (rest.some((a) => a.startsWith("--no-") && a !== "--no-typecheck")) return undefined;
  // A flag given twice: yargs makes an array of it (and then refuses it or takes the last); leave it to yargs.
  const names = rest.filter((a) => a.startsWith("-")).map((a) => a.replace(/=.*$/, ""));
  const canonical = names.map((n) => (n.startsWith("--") ? n.slice(2).replace(/^no-/, "") : Object.entries(OPTIONS).find(([, o]) => "short" in o && `-${o.short}` === n)?.[0] ?? n));
  if (canonical.some((n, i) => n !== "target" && canonical.indexOf(n) !== i)) return undefined;
  try {
    const text = (name: keyof typeof OPTIONS) => values[name] as string | undefined;
    const stack = text("stack") === undefined ? undefined : (nonEmpty("stack", "s", "")(text("stack")) as string);
    const cwd = text("cwd") === undefined ? undefined : (nonEmpty("cwd", "C", "")(text("cwd")) as string);
    const parallel = text("parallel") === undefined ? undefined : (positiveInteger("parallel", "p")(text("parallel")) as number);
    const target = values.target === undefined ? undefined : (nonEmpty("target", "t", "")(values.target) as string[]);
    const flag = (name: keyof typeof OPTIONS) => values[name] === true;
    return {
      command: command as DeployCommand,
      args: {
        ...(stack === undefined ? {} : { stack }),
        ...(cwd === undefined ? {} : { cwd }),
        verbose: flag("verbose"),
        yes: flag("yes"),
        json: flag("json"),
        ...(parallel === undefined ? {} : { parallel }),
        ...(target === undefined ? {} : { target }),
        // As yargs gives them: a flag the command does not take is absent, not false.
        ...(takes.includes("refresh") ? { refresh: flag("refresh") } : {}),
        diff: flag("diff"),
        expectNoChanges: flag("expect-no-changes"),
        local: flag("local"),
        ...(takes.includes("preview-only") ? { previewOnly: flag("preview-only") } : {}),
        ...(values.typecheck === undefined ? {} : { typecheck: values.typecheck === true }),
      },
    };
  } catch {
    // A value the flag refuses: yargs reports it, with the same coerce functions.
    return undefined;
  }
}
