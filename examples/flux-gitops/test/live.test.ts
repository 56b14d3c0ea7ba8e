/**
 * The opt-in live suite: the flux-gitops example against a REAL cluster and git repository, with
 * the real Flux release (its install.yaml downloaded from the release, not the shared reference).
 * It runs only when IAC_LIVE_KUBECONFIG, IAC_LIVE_GIT_URL and IAC_LIVE_GIT_TOKEN are set, and skips
 * otherwise, saying which are missing. Whatever happens, it ends with `iac destroy --yes`.
 *
 * - IAC_LIVE_KUBECONFIG: path of a kubeconfig whose current context is a scratch cluster;
 * - IAC_LIVE_GIT_URL: https URL of a scratch repository (the suite pushes to its `main`: the app's
 *   overlays under deploy/, and Flux's files under clusters/dev/flux-system/);
 * - IAC_LIVE_GIT_TOKEN (and IAC_LIVE_GIT_USER, default `git`): credentials that can push to it;
 * - IAC_LIVE_FLUX_VERSION: the Flux release (default 2.9.4);
 * - IAC_LIVE_APP_IMAGE: the image that stands in for the example's fictional realtime-go image, so
 *   the Kustomizations' health checks can pass (default nginx:1.27-alpine, which serves port 80).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from "@kubernetes/client-node";
import { runIac, show, type IacResult } from "../../../test/iac-run.js";

const exec = promisify(execFile);
const EXAMPLE = fileURLToPath(new URL("..", import.meta.url));

const env = process.env;
const missing = ["IAC_LIVE_KUBECONFIG", "IAC_LIVE_GIT_URL", "IAC_LIVE_GIT_TOKEN"].filter((k) => !env[k]);
const skip =
  missing.length > 0 ? `live suite (real cluster, real Flux release): set ${missing.join(", ")} to run it; see examples/flux-gitops/README.md` : false;
const FLUX_VERSION = env.IAC_LIVE_FLUX_VERSION || "2.9.4";
const APP_IMAGE = env.IAC_LIVE_APP_IMAGE || "nginx:1.27-alpine";


type Cond = { type?: string; status?: string; message?: string };
const conditionOf = (obj: unknown, type: string) => ((obj as { status?: { conditions?: Cond[] } }).status?.conditions ?? []).find((c) => c.type === type);
const isTrue = (obj: unknown, type: string) => conditionOf(obj, type)?.status === "True";

describe("the flux-gitops example on a real cluster with the real Flux release", () => {
  it("bootstraps Flux, syncs the app's overlays, changes nothing on a second up, and is destroyed", { skip, timeout: 30 * 60_000 }, async () => {
    const dir = join(EXAMPLE, "test", ".tmp", `live-${randomBytes(6).toString("hex")}`);
    await mkdir(join(dir, "home"), { recursive: true });
    // Credentials reach git through an askpass script reading the environment: never argv or a URL.
    const askpass = join(dir, "askpass.sh");
    await writeFile(askpass, '#!/bin/sh\ncase "$1" in Username*) printf %s "$LIVE_GIT_USER";; *) printf %s "$LIVE_GIT_TOKEN";; esac\n');
    await chmod(askpass, 0o700);
    const gitEnv = { ...env, HOME: join(dir, "home"), GIT_ASKPASS: askpass, GIT_TERMINAL_PROMPT: "0", LIVE_GIT_USER: env.IAC_LIVE_GIT_USER || "git", LIVE_GIT_TOKEN: env.IAC_LIVE_GIT_TOKEN };
    const url = env.IAC_LIVE_GIT_URL!;

    const run = (args: readonly string[], input?: string): Promise<IacResult> =>
      runIac(args, {
        cwd: dir,
        env: { IAC_HOME: join(dir, "iac-home"), IAC_CONFIG_PASSPHRASE: "live-suite", XDG_CACHE_HOME: join(dir, "cache"), KUBECONFIG: undefined },
        ...(input === undefined ? {} : { input }),
      });
    const ok = async (args: readonly string[], input?: string) => {
      const r = await run(args, input);
      assert.equal(r.code, 0, show(r));
      assert.ok(!(r.stdout + r.stderr).includes(env.IAC_LIVE_GIT_TOKEN!), "the git token is never printed");
      return r;
    };

    let destroyOk = false;
    try {
      for (const f of ["index.ts", "iac.yaml", "package.json"]) await cp(join(EXAMPLE, f), join(dir, f));
      await ok(["config", "set", "kubernetes:kubeconfig", env.IAC_LIVE_KUBECONFIG!]);
      await ok(["config", "set", "fluxVersion", FLUX_VERSION]);
      await ok(["config", "set", "fleetUrl", url]);
      await ok(["config", "set", "appRepoUrl", url]);
      await ok(["config", "set", "gitUser", gitEnv.LIVE_GIT_USER]);
      await ok(["config", "set", "--secret", "gitToken"], env.IAC_LIVE_GIT_TOKEN);

      // The app's overlays, as its developers would have pushed them (the image swapped for one that runs).
      const work = join(dir, "app");
      await cp(join(EXAMPLE, "app-repo"), work, { recursive: true });
      for (const overlay of await readdir(join(work, "deploy", "overlays"))) {
        const file = join(work, "deploy", "overlays", overlay, "realtime.yaml");
        await writeFile(file, (await readFile(file, "utf8")).replace("ghcr.io/example/realtime-go:latest", APP_IMAGE));
      }
      const git = (...a: string[]) => exec("git", ["-c", "user.name=iac live suite", "-c", "user.email=live@iac.invalid", ...a], { cwd: work, env: gitEnv });
      await git("init", "--quiet", "--initial-branch", "main");
      await git("remote", "add", "origin", url);
      const remoteMain = (await git("ls-remote", "origin", "refs/heads/main")).stdout.trim();
      if (remoteMain !== "") {
        await git("fetch", "--quiet", "origin", "main");
        await git("reset", "--quiet", "--soft", "FETCH_HEAD");
      }
      await git("add", "deploy");
      await git("commit", "--quiet", "--allow-empty", "-m", "realtimeapp deploy overlays (iac live suite)");
      await git("push", "--quiet", "origin", "HEAD:refs/heads/main");

      await ok(["up", "--yes"]);

      const kc = new KubeConfig();
      kc.loadFromFile(env.IAC_LIVE_KUBECONFIG!);
      const api = KubernetesObjectApi.makeApiClient(kc);
      const list = async (apiVersion: string, kind: string, ns?: string, labelSelector?: string) =>
        (await api.list(apiVersion, kind, ns, undefined, undefined, undefined, undefined, labelSelector)).items as KubernetesObject[];

      const namespaces = (await list("v1", "Namespace")).map((n) => n.metadata?.name);
      assert.ok(namespaces.includes("flux-system"));
      const deployments = await list("apps/v1", "Deployment", "flux-system");
      assert.deepEqual(deployments.map((d) => d.metadata?.name).sort(), ["helm-controller", "kustomize-controller", "notification-controller", "source-controller"]);
      assert.deepEqual(deployments.filter((d) => !isTrue(d, "Available")).map((d) => d.metadata?.name), [], "every controller is Available");
      const crds = await list("apiextensions.k8s.io/v1", "CustomResourceDefinition", undefined, "app.kubernetes.io/part-of=flux");
      assert.ok(crds.length >= 10, `Flux's CRDs are installed (found ${crds.length})`);
      assert.deepEqual(crds.filter((c) => !isTrue(c, "Established")).map((c) => c.metadata?.name), [], "every Flux CRD is Established");

      const head = (await exec("git", ["ls-remote", url, "refs/heads/main"], { env: gitEnv })).stdout.split(/\s/)[0];
      const revision = `main@sha1:${head}`;
      const sources = await list("source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system");
      const kustomizations = await list("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "flux-system");
      for (const o of [...sources, ...kustomizations]) {
        assert.ok(isTrue(o, "Ready"), `${o.kind} ${o.metadata?.name} is Ready: ${conditionOf(o, "Ready")?.message ?? "no Ready condition"}`);
      }
      const root = sources.find((s) => s.metadata?.name === "flux-system") as { status?: { artifact?: { revision?: string } } } | undefined;
      assert.equal(root?.status?.artifact?.revision, revision, "Flux's own source is at the repository's main");
      const output = await ok(["stack", "output", "fluxRevision"]);
      assert.match(output.stdout, /main@sha1:[0-9a-f]{40}/);
      for (const envName of ["dev", "prod"]) {
        const app = (await list("apps/v1", "Deployment", `realtime-${envName}`)).map((d) => d.metadata?.name).sort();
        assert.deepEqual(app, [`realtime-${envName}`, `redis-${envName}`], `Flux applied the ${envName} overlay`);
      }

      await ok(["up", "--yes", "--expect-no-changes"]);
    } finally {
      // ALWAYS: leave the cluster as it was found, even when an assertion above failed (whose
      // error still propagates; a failed destroy is reported on its own only when nothing else failed).
      const destroyed = await run(["destroy", "--yes"]);
      await rm(dir, { recursive: true, force: true });
      if (destroyed.code !== 0) console.error(`iac destroy --yes failed: clean the cluster by hand (flux uninstall).\n${show(destroyed)}`);
      destroyOk = destroyed.code === 0;
    }
    assert.ok(destroyOk, "iac destroy --yes cleaned up (its output is above)");
  });
});
