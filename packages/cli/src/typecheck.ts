/**
 * Type-checking the user's program before it runs (issue 12): a typo (`lenght`, `const n: number =
 * "x"`) stops `preview`/`up` with exit 2 and `file:line:col`, before any cloud call, as Pulumi does.
 *
 * The checker is TypeScript 7, the native compiler (`typescript@7` on npm: a Go binary, no second
 * node process), run incrementally with its build info under `.iac/typecheck/`. On top of that, a
 * stamp of every file the last clean check read (path, size, mtime) lets an unchanged program skip
 * the compiler altogether: a warm run costs a few hundred `stat` calls.
 *
 * A project with its own `tsconfig.json` is checked with it (`--noEmit` added); without one, with a
 * strict default that accepts what the program runner accepts (extensionless and `.ts` imports).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { CliError, ExitCode } from "./errors.js";

/** One error of the check, in the user's terms. */
export interface TypeDiagnostic {
  /** Relative to the project directory when inside it. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** `TS2322`. */
  readonly code: string;
  readonly message: string;
}

export interface TypecheckOptions {
  readonly projectDir: string;
  /** The entry file, relative to `projectDir`. */
  readonly main: string;
  readonly signal?: AbortSignal;
  /** Called once the compiler's process has been started (not when the stamp made it needless). */
  readonly onSpawn?: () => void;
}

export interface TypecheckResult {
  /** Errors in the project's own files (these fail the run). */
  readonly diagnostics: readonly TypeDiagnostic[];
  /** Errors in files outside the project (dependencies' sources): reported, not fatal. */
  readonly foreign: readonly TypeDiagnostic[];
  /** True when the stamp showed nothing changed since the last clean check. */
  readonly cached: boolean;
}

/** The program does not type-check: exit 2, like a usage error, before anything runs. */
export class TypecheckError extends CliError {
  readonly diagnostics: readonly TypeDiagnostic[];
  constructor(diagnostics: readonly TypeDiagnostic[]) {
    const shown = diagnostics.slice(0, 50).map(formatDiagnostic);
    const more = diagnostics.length > shown.length ? [`... and ${diagnostics.length - shown.length} more`] : [];
    super(
      [
        `The program has ${diagnostics.length} type error(s); nothing was run and the cloud was not called:`,
        ...shown.map((l) => `  ${l}`),
        ...more,
        "Fix them and run the command again (or skip the check with --no-typecheck, or `typecheck: false` in iac.yaml).",
      ].join("\n"),
      { code: "TypecheckFailed", exitCode: ExitCode.usage },
    );
    this.name = "TypecheckError";
    this.diagnostics = diagnostics;
  }
}

export function formatDiagnostic(d: TypeDiagnostic): string {
  return `${d.file}:${d.line}:${d.column} - error ${d.code}: ${d.message}`;
}

/**
 * The default compiler options of a project without a tsconfig.json (TypeScript 7's flag names),
 * and `--types node` when @types/node is installed.
 */
export const DEFAULT_FLAGS: readonly string[] = [
  "--strict",
  "--target",
  "es2023",
  "--lib",
  "es2023",
  "--module",
  "preserve",
  "--moduleResolution",
  "bundler",
  "--allowImportingTsExtensions",
  "--skipLibCheck",
];

/** Whether @types/node is installed for the project (TypeScript 7 includes no @types by default). */
function hasNodeTypes(dir: string): boolean {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, "node_modules", "@types", "node", "package.json"))) return true;
    if (dirname(current) === current) return false;
  }
}

interface Stamp {
  readonly args: readonly string[];
  readonly files: Readonly<Record<string, readonly [number, number]>>;
}

/**
 * Check the program; never throws for type errors (see {@link TypecheckResult}), only when the
 * compiler cannot be run at all.
 */
export async function typecheckProgram(options: TypecheckOptions): Promise<TypecheckResult> {
  const dir = resolve(options.projectDir);
  const cacheDir = join(dir, ".iac", "typecheck");
  const ownConfig = existsSync(join(dir, "tsconfig.json"));
  const args = [
    ...(ownConfig ? ["-p", join(dir, "tsconfig.json")] : ["--ignoreConfig", ...DEFAULT_FLAGS, ...(hasNodeTypes(dir) ? ["--types", "node"] : [])]),
    "--noEmit",
    "--composite",
    "false",
    "--declaration",
    "false",
    "--incremental",
    "--tsBuildInfoFile",
    join(cacheDir, "tsbuildinfo"),
    "--pretty",
    "false",
    "--listFiles",
    ...(ownConfig ? [] : [join(dir, options.main)]),
  ];
  const stampFile = join(cacheDir, "stamp.json");
  if (await unchangedSince(stampFile, args)) return { diagnostics: [], foreign: [], cached: true };

  const output = await runCompiler(args, dir, options.signal, options.onSpawn);
  const diagnostics: TypeDiagnostic[] = [];
  const foreign: TypeDiagnostic[] = [];
  const files: string[] = [];
  let last: TypeDiagnostic[] | undefined;
  for (const line of output.split(/\r?\n/)) {
    const m = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line);
    if (m) {
      const abs = resolve(dir, m[1]!);
      const inside = abs.startsWith(dir + sep) && !abs.includes(`${sep}node_modules${sep}`);
      const d = { file: inside ? relative(dir, abs) : abs, line: Number(m[2]), column: Number(m[3]), code: m[4]!, message: m[5]! };
      last = inside ? diagnostics : foreign;
      last.push(d);
    } else if (isAbsolute(line.trim()) && !line.startsWith(" ")) {
      files.push(line.trim());
      last = undefined;
    } else if (line.startsWith(" ") && last !== undefined && last.length > 0) {
      // A message's continuation lines ("Type 'x' is not assignable to ...").
      const d = last.pop()!;
      last.push({ ...d, message: `${d.message} ${line.trim()}` });
    } else if (/^error TS\d+:/.test(line)) {
      // An error of the configuration itself (a bad tsconfig.json): the project's to fix.
      diagnostics.push({ file: ownConfig ? "tsconfig.json" : options.main, line: 1, column: 1, code: line.slice(6, line.indexOf(":")), message: line.slice(line.indexOf(":") + 2) });
    }
  }
  if (diagnostics.length === 0) await writeStamp(stampFile, args, files);
  return { diagnostics, foreign, cached: false };
}

/** True when the last clean check ran with these arguments and none of the files it read changed. */
async function unchangedSince(stampFile: string, args: readonly string[]): Promise<boolean> {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(await readFile(stampFile, "utf8")) as Stamp;
  } catch {
    return false;
  }
  if (JSON.stringify(stamp.args) !== JSON.stringify(args)) return false;
  const entries = Object.entries(stamp.files);
  if (entries.length === 0) return false;
  const same = await Promise.all(
    entries.map(async ([file, [size, mtime]]) => {
      try {
        const s = await stat(file);
        return s.size === size && s.mtimeMs === mtime;
      } catch {
        return false;
      }
    }),
  );
  return same.every(Boolean);
}

async function writeStamp(stampFile: string, args: readonly string[], files: readonly string[]): Promise<void> {
  const entries: [string, [number, number]][] = [];
  for (const file of files) {
    try {
      const s = await stat(file);
      entries.push([file, [s.size, s.mtimeMs]]);
    } catch {
      // A file the compiler read and that is gone now: the next run checks again anyway.
    }
  }
  // tsconfig.json decides the options; a project without one gains one: both are "files" here.
  const config = join(stampFile, "..", "..", "..", "tsconfig.json");
  await stat(config).then(
    (s) => entries.push([config, [s.size, s.mtimeMs]]),
    () => undefined,
  );
  await mkdir(join(stampFile, ".."), { recursive: true });
  await writeFile(stampFile, JSON.stringify({ args, files: Object.fromEntries(entries) }));
}

/** The native compiler's executable, from the `typescript@7` package the CLI depends on. */
async function compilerPath(): Promise<string> {
  const require = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = require.resolve("typescript/package.json");
  } catch (cause) {
    throw new CliError("The TypeScript compiler (the npm package typescript@7) is not installed next to iac: reinstall @iac/cli, or run with --no-typecheck.", { code: "TypecheckUnavailable", cause });
  }
  const version = (JSON.parse(await readFile(pkgJson, "utf8")) as { version: string }).version;
  if (Number(version.split(".")[0]) < 7) {
    throw new CliError(`iac needs TypeScript 7 (the native compiler) to type-check programs, and found ${version} at ${pkgJson}: reinstall @iac/cli, or run with --no-typecheck.`, { code: "TypecheckUnavailable" });
  }
  const { default: getExePath } = (await import(pathToFileURL(join(pkgJson, "..", "lib", "getExePath.js")).href)) as { default: () => string };
  try {
    return getExePath();
  } catch (cause) {
    // The binary is an optional platform package (@typescript/typescript-<os>-<arch>): npm skips
    // it on a platform TypeScript does not build for, or when it could not be fetched.
    throw new CliError(
      `The TypeScript 7 compiler for ${process.platform}-${process.arch} is not installed (the npm package @typescript/typescript-${process.platform}-${process.arch}, an optional dependency of typescript@${version}): reinstall @iac/cli with its optional dependencies, or run with --no-typecheck.`,
      { code: "TypecheckUnavailable", cause },
    );
  }
}

function runCompiler(args: readonly string[], cwd: string, signal: AbortSignal | undefined, onSpawn: (() => void) | undefined): Promise<string> {
  return compilerPath().then(
    (exe) =>
      new Promise<string>((resolvePromise, reject) => {
        // Exit status 1/2 means "diagnostics were reported": the output says which.
        execFile(exe, [...args], { cwd, signal, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
          if (error && typeof error.code !== "number") {
            reject(new CliError(`The TypeScript compiler could not be run (${error.message}); run with --no-typecheck to skip the check.`, { code: "TypecheckUnavailable", cause: error }));
            return;
          }
          resolvePromise(`${stdout}\n${stderr}`);
        });
        onSpawn?.();
      }),
  );
}

/** iac.yaml parsed, through the project's YAML cache (no YAML parser is loaded while it is unchanged). */
async function projectFile(projectDir: string): Promise<unknown> {
  const { readProjectFile } = await import("@iac/engine/project");
  return (await readProjectFile(projectDir)).doc;
}

/**
 * Whether a run type-checks: `--no-typecheck` turns it off, else `typecheck: false` in iac.yaml,
 * else on.
 */
export async function typecheckEnabled(projectDir: string, flag: boolean | undefined): Promise<boolean> {
  if (flag === false) return false;
  if (flag === true) return true;
  try {
    return typecheckSetting(projectDir, await projectFile(projectDir));
  } catch (error) {
    if (error instanceof CliError) throw error;
    // iac.yaml was read and parsed by the project loader already: any problem was reported there.
    return true;
  }
}

/** `typecheck` of a parsed iac.yaml (default on); a value that is not a boolean is a usage error. */
function typecheckSetting(projectDir: string, parsed: unknown): boolean {
  const doc = parsed as { typecheck?: unknown } | null;
  if (doc?.typecheck === undefined) return true;
  if (typeof doc.typecheck !== "boolean") {
    throw new CliError(`${join(projectDir, "iac.yaml")}: \`typecheck\` must be true or false (it is ${JSON.stringify(doc.typecheck)}).`, { code: "InvalidProject", exitCode: ExitCode.usage });
  }
  return doc.typecheck;
}

/**
 * A type-check started as a deployment command begins, before it loads the automation API, the
 * engine and the state (about 0.2 s of module loading in which the compiler, a separate process,
 * runs on another core): a cold check of a changed program then costs the command little or no
 * time of its own. Nothing is reported from here: {@link checkProgramTypes} reports the result
 * at the point where the command always checked, and uses it only for the same project and entry
 * file as the command's own.
 */
export interface StartedTypecheck {
  readonly projectDir: string;
  readonly main: string;
  /** Settles with the check's result or the error of running it (never rejects). */
  readonly result: Promise<{ readonly ok: TypecheckResult } | { readonly error: unknown }>;
  /** Stops the compiler (the command ended without needing the result). */
  readonly cancel: () => void;
}

/**
 * Start the type-check of the project around `cwd` (as {@link findProjectDir} finds it), when
 * enabled. Undefined when there is nothing to start (no iac.yaml, a check turned off, an iac.yaml
 * the project loader will refuse): the command then checks as it always did.
 */
export async function startTypecheck(options: { readonly cwd: string; readonly flag?: boolean; readonly signal?: AbortSignal }): Promise<StartedTypecheck | undefined> {
  try {
    const { findProjectDir } = await import("./project-dir.js");
    const projectDir = findProjectDir(options.cwd);
    if (options.flag === false) return undefined;
    // iac.yaml read once for both settings.
    const doc = (await projectFile(projectDir)) as { main?: unknown } | null;
    if (options.flag !== true && !typecheckSetting(projectDir, doc)) return undefined;
    const main = doc?.main === undefined ? "index.ts" : doc.main;
    if (typeof main !== "string" || main === "" || !existsSync(join(projectDir, main))) return undefined;
    const abort = new AbortController();
    options.signal?.addEventListener("abort", () => abort.abort(), { once: true });
    let running!: () => void;
    const spawned = new Promise<void>((resolveSpawned) => (running = resolveSpawned));
    const result = typecheckProgram({ projectDir, main, signal: abort.signal, onSpawn: running }).then(
      (ok) => ({ ok }),
      (error: unknown) => ({ error }),
    );
    // Settled once the compiler runs (or is not needed: an unchanged program, an error): the
    // caller loads the command after this, as the loading of its modules (synchronous, through
    // tsx's hooks in a checkout) would otherwise hold back the few steps before the spawn.
    await Promise.race([spawned, result]);
    return { projectDir, main, result, cancel: () => abort.abort() };
  } catch {
    return undefined;
  }
}

/**
 * Type-check the program when enabled; throws {@link TypecheckError} (exit 2) on errors. `started`:
 * the check {@link startTypecheck} began for this command, used when it is of this program.
 */
export async function checkProgramTypes(options: TypecheckOptions & { readonly flag?: boolean; readonly warn: (line: string) => void; readonly started?: Promise<StartedTypecheck | undefined> }): Promise<void> {
  if (!(await typecheckEnabled(options.projectDir, options.flag))) return;
  const started = await options.started;
  let result: TypecheckResult;
  if (started !== undefined && started.projectDir === resolve(options.projectDir) && started.main === options.main) {
    const outcome = await started.result;
    if ("error" in outcome) throw outcome.error;
    result = outcome.ok;
  } else {
    started?.cancel();
    result = await typecheckProgram(options);
  }
  if (result.foreign.length > 0) {
    options.warn(`warning: ${result.foreign.length} type error(s) in files outside the project (not the program's own); the first: ${formatDiagnostic(result.foreign[0]!)}`);
  }
  if (result.diagnostics.length > 0) throw new TypecheckError(result.diagnostics);
}
