/**
 * `iac watch`: run `iac up` (or `iac preview` with `--preview-only`) once, then again after every
 * change of the program's files: its entry file and the local files it imports (found by reading
 * their import specifiers), plus `iac.yaml`, the stack config files, and the project's
 * package.json and tsconfig.json. `.iac/` and `node_modules/` are never watched. A burst of
 * changes (an editor saving several files, a `git checkout`) gives one run once the files have
 * been quiet for `--debounce` ms; changes made during a run give one more run after it.
 *
 * Each run is the deployment command itself (same rendering, summary, history, lock), without a
 * confirmation: watching is the consent. Ctrl-C as for `iac up`: the first stops the run in
 * progress the safe way (no new step; calls in flight finish and are recorded) and then ends the
 * watch (exit 130); a second ends the process at once.
 */
import { loadProject } from "@iac/engine";
import { watch as watchFs, existsSync, statSync, type FSWatcher } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { ExitCode, UsageError } from "../errors.js";
import { findProjectDir } from "../workspace.js";
import { runCommand, type CommandContext } from "./command.js";
import type { DeployOptions } from "./deploy.js";

/** Options of `iac watch`: the deployment flags (no `--yes`: it is implied), and its own. */
export interface WatchOptions extends Omit<DeployOptions, "yes" | "expectNoChanges"> {
  /** Run `preview` instead of `up`. */
  readonly previewOnly?: boolean;
  /** Quiet time after the last change before a run starts (default 250 ms). */
  readonly debounceMs?: number;
}

/** The default of `--debounce`. */
export const DEFAULT_DEBOUNCE_MS = 250;

/** `iac watch`: returns when Ctrl-C (the `signal`) ends it. */
export function watch(options: WatchOptions): Promise<number> {
  return runCommand(options, (ctx) => watchLoop(ctx, options));
}

async function watchLoop(ctx: CommandContext, options: WatchOptions): Promise<number> {
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  if (!Number.isFinite(debounceMs) || debounceMs < 0) throw new UsageError(`--debounce must be a number of milliseconds of at least 0 (got ${String(options.debounceMs)}).`);
  if ((options as DeployOptions).expectNoChanges === true) {
    throw new UsageError("--expect-no-changes does not apply to `iac watch` (each run applies the changes it finds). Use `iac preview --expect-no-changes` for a drift check.");
  }
  const project = await loadProject(findProjectDir(ctx.cwd));
  const operation = options.previewOnly === true ? "preview" : "up";
  const deploy = await import("./deploy.js");
  const watcher = new ProgramWatcher(project.dir, project.main);
  try {
    await watcher.rescan();
    let changed: readonly string[] = [];
    for (let n = 1; ; n++) {
      const why = n === 1 ? "first run" : `after changes to ${describeFiles(changed)}`;
      // The files as this run finds them; an edit from now on is a change (shown, and run again).
      await watcher.beforeRun();
      watcher.running = () => ctx.say(ctx.errStyle("dim", `[watch] Files changed during run ${n}: it runs again when this run ends.`));
      ctx.say(ctx.errStyle("bold", `[watch] Run ${n}: iac ${operation} (${why}).`));
      const code = await deploy[operation]({ ...options, cwd: project.dir, yes: true, expectNoChanges: false, signal: ctx.signal, command: "iac watch" });
      watcher.running = undefined;
      if (ctx.signal.aborted) return ExitCode.interrupted;
      await watcher.rescan();
      await watcher.afterRun();
      const result = code === ExitCode.ok ? "succeeded" : `failed (exit ${code})`;
      ctx.say(ctx.errStyle(code === ExitCode.ok ? "green" : "red", `[watch] Run ${n} ${result}. Watching ${watcher.size} file(s) of ${project.name} for changes; Ctrl-C to stop.`));
      const next = await watcher.next(ctx.signal, debounceMs);
      if (next === undefined) return ExitCode.interrupted;
      changed = next.map((f) => relative(project.dir, f) || f);
    }
  } finally {
    watcher.close();
  }
}

function describeFiles(files: readonly string[]): string {
  return files.length <= 5 ? files.join(", ") : `${files.slice(0, 5).join(", ")} and ${files.length - 5} more`;
}

/**
 * Watches the directories of the program's files (each without recursion, so `node_modules/` and
 * `.iac/` never flood it) and collects changes of the files that matter.
 */
class ProgramWatcher {
  readonly #projectDir: string;
  #main: string;
  #files = new Set<string>();
  readonly #watchers = new Map<string, FSWatcher>();
  readonly #pending = new Set<string>();
  #wake: (() => void) | undefined;
  /** Set while a run is in progress: called at the first change during it. */
  running: (() => void) | undefined;

  constructor(projectDir: string, main: string) {
    this.#projectDir = projectDir;
    this.#main = main;
  }

  get size(): number {
    return this.#files.size;
  }

  /** Finds the program's files again (an import added or removed) and watches their directories. */
  async rescan(): Promise<void> {
    try {
      // `main` in iac.yaml may have changed; a broken iac.yaml is reported by the next run.
      this.#main = (await loadProject(this.#projectDir)).main;
    } catch {
      // Keep the entry file known so far.
    }
    const files = await localImports(join(this.#projectDir, this.#main));
    for (const name of ["iac.yaml", "package.json", "tsconfig.json"]) files.add(join(this.#projectDir, name));
    this.#files = files;
    const dirs = new Set([this.#projectDir, ...[...files].map((f) => dirname(f))]);
    for (const [dir, w] of this.#watchers) {
      if (!dirs.has(dir)) {
        w.close();
        this.#watchers.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (this.#watchers.has(dir) || !existsSync(dir)) continue;
      const w = watchFs(dir, (_event, name) => {
        if (name !== null) this.#changed(join(dir, name.toString()));
      });
      // A watched directory removed, or out of watches: the next rescan sets it up again.
      w.on("error", () => {
        w.close();
        this.#watchers.delete(dir);
      });
      this.#watchers.set(dir, w);
    }
  }

  #changed(file: string): void {
    const config = this.#isStackConfig(file);
    if (!config && !this.#files.has(file)) return;
    // iac itself writes a stack config file during a run (the encryption salt on first use): that
    // is not a reason to run again, so no notice; `next` compares it with its content after the run.
    if (!config && !this.#noticed && this.running) {
      this.#noticed = true;
      this.running();
    }
    this.#pending.add(file);
    this.#wake?.();
  }

  /** A stack config file (iac.<stack>.yaml), including one created since the last run. */
  #isStackConfig(file: string): boolean {
    return dirname(file) === this.#projectDir && /^iac\.[^.]+\.ya?ml$/.test(basename(file));
  }

  /**
   * What each file held when a run last used it: a program file at the start of the run (an edit
   * made during the run is then a change), a stack config file at its end (what iac wrote is not).
   * An event whose file still holds that is no change (an editor's touch, an edit undone).
   */
  readonly #baseline = new Map<string, string | undefined>();
  /** The notice of a change during the run was given. */
  #noticed = false;

  async beforeRun(): Promise<void> {
    this.#noticed = false;
    for (const f of this.#files) this.#baseline.set(f, await contentOf(f));
    this.#pending.clear();
  }

  async afterRun(): Promise<void> {
    for (const name of await readdir(this.#projectDir)) {
      const f = join(this.#projectDir, name);
      if (this.#isStackConfig(f)) this.#baseline.set(f, await contentOf(f));
    }
  }

  /** The pending files whose content differs from their baseline; clears the pending set. */
  async #reallyChanged(): Promise<string[]> {
    const files = [...this.#pending].sort();
    this.#pending.clear();
    const changed: string[] = [];
    for (const f of files) {
      const now = await contentOf(f);
      if (!this.#baseline.has(f) || this.#baseline.get(f) !== now) changed.push(f);
    }
    return changed;
  }

  /**
   * The files changed since the last call, once no change has come for `debounceMs`; undefined
   * when `signal` is aborted first.
   */
  next(signal: AbortSignal, debounceMs: number): Promise<string[] | undefined> {
    return new Promise((done) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (files: string[] | undefined) => {
        clearTimeout(timer);
        this.#wake = undefined;
        signal.removeEventListener("abort", onAbort);
        done(files);
      };
      const onAbort = () => finish(undefined);
      if (signal.aborted) return finish(undefined);
      signal.addEventListener("abort", onAbort, { once: true });
      const arm = () => {
        if (this.#pending.size === 0) return;
        clearTimeout(timer);
        timer = setTimeout(() => {
          void this.#reallyChanged().then((files) => {
            // Nothing really changed (iac's own config write, an edit undone): keep waiting.
            if (files.length > 0) finish(files);
            else if (signal.aborted) finish(undefined);
          });
        }, debounceMs);
      };
      this.#wake = arm;
      arm();
    });
  }

  close(): void {
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
    this.#wake = undefined;
  }
}

async function contentOf(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch {
    return undefined;
  }
}

/** `import ... from "x"`, `export ... from "x"`, `import "x"`, `import("x")`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"'\n]+)["']/g;

/**
 * The entry file and, transitively, the local files it imports (relative specifiers), resolved as
 * TypeScript's NodeNext resolution does (`./lib.js` is `./lib.ts`). Packages are not followed. The
 * entry is included even when it does not exist yet, so creating it starts a run.
 */
export async function localImports(entry: string): Promise<Set<string>> {
  const found = new Set<string>([resolve(entry)]);
  const queue = [resolve(entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      continue;
    }
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1]!;
      if (!spec.startsWith("./") && !spec.startsWith("../")) continue;
      const target = resolveLocal(resolve(dirname(file), spec));
      if (target === undefined || target.split(sep).includes("node_modules") || found.has(target)) continue;
      found.add(target);
      queue.push(target);
    }
  }
  return found;
}

function resolveLocal(path: string): string | undefined {
  const swapped = path.replace(/\.js$/, ".ts").replace(/\.mjs$/, ".mts").replace(/\.cjs$/, ".cts").replace(/\.jsx$/, ".tsx");
  const candidates = [swapped, path, `${path}.ts`, `${path}.tsx`, `${path}.mts`, `${path}.js`, `${path}.mjs`, join(path, "index.ts"), join(path, "index.js")];
  // A directory named like a candidate (`./lib` as a folder) is not the module.
  return candidates.find((c) => statSync(c, { throwIfNoEntry: false })?.isFile() === true);
}
