/**
 * A temporary project under `packages/engine/test/.tmp/` (so the program resolves `@iac/sdk` from
 * the repository), a fake cloud, the file backend in the project's `.iac/`, and a `run` that
 * records events.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PropertyValue } from "@iac/sdk/provider";
import type { EngineEvent, Operation } from "../../src/api.js";
import { run, type RunOptions, type RunResult } from "../../src/run.js";
import { crypterFromKey } from "../../src/secrets.js";
import { createFileBackend } from "../../src/state/file-backend.js";
import type { Backend, Crypter, Snapshot } from "../../src/state/types.js";
import { FakeCloud } from "../fixtures/test-provider.js";

const TMP = fileURLToPath(new URL("../.tmp/", import.meta.url));

/** The preamble every test program starts with. */
export const PRELUDE = `import { Thing, Plain, Blind, TestProvider } from "../../fixtures/resources.ts";\nimport * as iac from "@iac/sdk";\n`;

export interface Harness {
  readonly dir: string;
  readonly cloud: FakeCloud;
  readonly backend: Backend;
  readonly crypter: Crypter;
  /** Events of the last run. */
  events: EngineEvent[];
  /** Writes the program (`index.ts`), prefixed with {@link PRELUDE}. */
  program(body: string): Promise<void>;
  run(operation: Operation, extra?: Partial<Omit<RunOptions, "project" | "operation">>): Promise<RunResult>;
  state(): Promise<Snapshot>;
  /** Step events of the last run, as `<kind> <name>` per event kind. */
  steps(eventKind?: EngineEvent["kind"]): string[];
  cleanup(): Promise<void>;
}

export async function harness(options: { readonly config?: Record<string, PropertyValue> } = {}): Promise<Harness> {
  await mkdir(TMP, { recursive: true });
  const dir = await mkdtemp(join(TMP, "p-"));
  await writeFile(join(dir, "iac.yaml"), "name: testproj\n");
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "testproj", private: true, type: "module" }));
  const cloud = new FakeCloud();
  const backend = createFileBackend({ projectDir: dir, project: "testproj" });
  const crypter = crypterFromKey(randomBytes(32), { describe: "test key", remedy: "none" });
  const h: Harness = {
    dir,
    cloud,
    backend,
    crypter,
    events: [],
    async program(body) {
      await writeFile(join(dir, "index.ts"), PRELUDE + body);
    },
    async run(operation, extra = {}) {
      h.events = [];
      return run({
        project: { dir, name: "testproj", main: "index.ts" },
        stack: "dev",
        operation,
        backend,
        crypter,
        config: { "test:cloud": cloud.key, ...options.config },
        onEvent: (e) => h.events.push(e),
        ...extra,
      });
    },
    state: () => backend.read("dev", crypter),
    steps(eventKind = "step-planned") {
      return h.events.flatMap((e) => ("step" in e && e.kind === eventKind ? [`${e.step.kind} ${e.step.name}`] : []));
    },
    async cleanup() {
      cloud.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return h;
}
