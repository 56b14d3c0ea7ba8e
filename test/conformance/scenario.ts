/**
 * The shape every conformance scenario shares, written once: for each target, a throwaway iac
 * project running the scenario's program (`test/conformance/programs/<program>.ts`), `iac local
 * serve` on that target, the config the program needs, then the scenario's steps; what each target
 * observed is written to `test/conformance/.tmp/<scenario>-<target>.json`; last, the comparison of
 * the two observations with the divergences listed in docs/local-cloud-conformance.md.
 */
import assert from "node:assert/strict";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { iacProject, show, type IacProject, type IacResult } from "../iac-run.js";
import { diverging, listedDivergences, ROOT, startStack, targets, type Observation, type Stack, type Target } from "./harness.js";

export const HERE = join(ROOT, "test", "conformance");
/** Flux v2.9.4's components (the reference data), the manifests every Flux scenario installs. */
export const FLUX_MANIFESTS = join(ROOT, "..", "shared", "reference", "flux", "gotk-components-v2.9.4.yaml");
/** Flux v2.9.4's install.yaml: all seven controllers, for scenarios that add `componentsExtra` (the image controllers). */
export const FLUX_INSTALL_MANIFESTS = join(ROOT, "..", "shared", "reference", "flux", "install-v2.9.4.yaml");

/** One target's run of a scenario, handed to its steps. Project and stack exist once the first step ran. */
export interface ScenarioRun {
  readonly target: Target;
  readonly real: boolean;
  /** What this target observed so far; the comparison reads it. */
  readonly o: Observation;
  readonly project: IacProject;
  readonly stack: Stack;
  /** `iac <args>` in the project. */
  iac(args: readonly string[]): Promise<IacResult>;
  /** `iac config set` of each entry; fails the step when one is refused. */
  config(values: Readonly<Record<string, string>>): Promise<void>;
  /** `iac up --local --yes`. */
  up(): Promise<IacResult>;
  /** `iac destroy --local --yes`. */
  destroy(): Promise<IacResult>;
  /** An iac result with the local cloud's log, for assertion messages. */
  explain(r: IacResult): string;
  /** A timeout: `realMs` on the real cluster, `emulatedMs` (default a fifth of it, at least 20 s) on the emulation. */
  timeout(realMs: number, emulatedMs?: number): number;
}

export interface ScenarioOptions {
  /** File name under `programs/`, without `.ts`. */
  readonly program: string;
  /** Run once the stack is up, before the first `iac` command: push repositories, start servers; returns config to set. */
  readonly setup?: (run: ScenarioRun) => Promise<Readonly<Record<string, string>> | void>;
  /** Run after the steps, before the stack stops (close servers). */
  readonly teardown?: (run: ScenarioRun) => Promise<void>;
}

/**
 * Declare a scenario: `steps` registers the `it`s of one target (called once per target, after the
 * step that starts the stack).
 */
export function scenario(name: string, options: ScenarioOptions, steps: (run: ScenarioRun) => void): void {
  const observations = new Map<Target, Observation>();
  const projects: IacProject[] = [];
  after(async () => {
    for (const p of projects) await p.remove();
  });

  for (const target of targets()) {
    describe(`${name} on the ${target} Kubernetes`, () => {
      const o: Observation = {};
      observations.set(target, o);
      let project: IacProject | undefined;
      let stack: Stack | undefined;
      const run: ScenarioRun = {
        target,
        real: target === "real",
        o,
        get project() {
          assert.ok(project, "the scenario's project was not made (see the first failure)");
          return project;
        },
        get stack() {
          assert.ok(stack, "the local cloud did not start (see the first failure)");
          return stack;
        },
        iac: (args) => run.project.iac(args),
        async config(values) {
          for (const [k, v] of Object.entries(values)) {
            const set = await run.iac(["config", "set", k, v]);
            assert.equal(set.code, 0, show(set));
          }
        },
        up: () => run.iac(["up", "--local", "--yes"]),
        destroy: () => run.iac(["destroy", "--local", "--yes"]),
        explain: (r) => `${show(r)}\n--- iac local serve:\n${stack?.log() ?? ""}`,
        timeout: (realMs, emulatedMs) => (target === "real" ? realMs : emulatedMs ?? Math.max(20_000, Math.round(realMs / 5))),
      };

      after(async () => {
        // What this target observed, for reading next to the other one.
        await mkdir(join(HERE, ".tmp"), { recursive: true });
        await writeFile(join(HERE, ".tmp", `${name}-${target}.json`), JSON.stringify(o, null, 2) + "\n").catch(() => {});
        try {
          if (stack) await options.teardown?.(run);
        } finally {
          await stack?.stop();
        }
      });

      it(`serves the local cloud (${target} Kubernetes) with the scenario's program`, async () => {
        project = await iacProject({
          under: join(HERE, ".tmp"),
          prefix: `${name}-${target}`,
          copy: { from: join(ROOT, "examples", "flux-gitops"), files: ["package.json"] },
          files: { "iac.yaml": `name: conformance-${name}\nmain: index.ts\n` },
          env: { IAC_CONFIG_PASSPHRASE: "conformance" },
        });
        projects.push(project);
        await copyFile(join(HERE, "programs", `${options.program}.ts`), join(project.dir, "index.ts"));
        stack = await startStack(project.dir, target);
        const config = await options.setup?.(run);
        if (config) await run.config(config);
      });

      steps(run);
    });
  }

  describe(`${name}: the emulation against the real cluster`, () => {
    it("diverges only where docs/local-cloud-conformance.md says, and everywhere it says", async (t) => {
      if (!targets().includes("emulated") || !targets().includes("real")) {
        t.skip(`IAC_CONFORMANCE_TARGETS=${targets().join(",")}: comparing needs both targets`);
        return;
      }
      const emulated = observations.get("emulated")!;
      const real = observations.get("real")!;
      assert.ok(Object.keys(emulated).length > 0 && Object.keys(real).length > 0, "both targets must have run their scenario (see the failures above)");
      const found = diverging(name, emulated, real);
      const listed = [...(await listedDivergences())].filter((id) => id.startsWith(`${name}/`));
      assert.deepEqual(found.filter((d) => !listed.includes(d.id)).map((d) => `${d.id}: emulated ${JSON.stringify(d.emulated)}, real ${JSON.stringify(d.real)}`), [], "divergences not listed in docs/local-cloud-conformance.md");
      assert.deepEqual(listed.filter((id) => !found.some((d) => d.id === id)), [], "listed divergences that no longer diverge: remove them from docs/local-cloud-conformance.md");
    });
  });
}
