/**
 * Flux's image-automation-controller (v1.2.0, `image.toolkit.fluxcd.io/v1` ImageUpdateAutomation),
 * emulated with the git CLI: clone the GitRepository's branch over http (with its secretRef's
 * credentials), set the fields marked `# {"$imagepolicy": "<ns>:<policy>[:tag|:name|:digest]"}`
 * under `spec.update.path` to the policies' latest refs, commit as `spec.git.commit.author` and
 * push to `spec.git.push.branch` (default: the checkout branch). Status as the real controller
 * writes it: `lastAutomationRunTime`, `lastPushCommit`, `lastPushTime`, `observedPolicies`,
 * `observedSourceRevision` (`<branch>@sha1:<commit>`), Ready `Succeeded` "repository up-to-date".
 *
 * Differences (docs/local-cloud-conformance.md): only the marked scalar is rewritten (the real
 * controller re-serialises the whole file through kyaml); a `messageTemplate` with Go template
 * actions (`{{ ... }}`) is not rendered: the automation reports Ready=False, LocalCloudUnsupported.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { withCondition, type Condition, type KubeObject } from "./objects.js";
import { UNSUPPORTED_REASON } from "./unsupported.js";

export const IMAGE_UPDATE_AUTOMATION = { apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImageUpdateAutomation" } as const;
export const IMAGE_AUTOMATION_CONTROLLER = "image-automation-controller";
const DEFAULT_MESSAGE = "Update from image update automation";
const READY_MESSAGE = "repository up-to-date";

export interface LatestRef {
  readonly name: string;
  readonly tag: string;
  readonly digest?: string;
}

/** A marker's policy key (`ns:name`) and which part of the ref it sets. */
function parseMarker(value: string): { policy: string; part: "image" | "tag" | "name" | "digest" } | undefined {
  const parts = value.split(":");
  if (parts.length === 2) return { policy: value, part: "image" };
  if (parts.length === 3 && (parts[2] === "tag" || parts[2] === "name" || parts[2] === "digest")) return { policy: `${parts[0]}:${parts[1]}`, part: parts[2] };
  return undefined;
}

function valueOf(ref: LatestRef, part: "image" | "tag" | "name" | "digest"): string {
  if (part === "tag") return ref.tag;
  if (part === "name") return ref.name;
  if (part === "digest") return ref.digest ?? "";
  return `${ref.name}:${ref.tag}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** `key: value # {"$imagepolicy": "..."}` (also as a sequence item); the value may be quoted. */
const MARKED_LINE = /^(\s*(?:-\s+)?[^\s#][^#]*?:\s+)(["']?)([^"'#\s]*)\2(\s+#\s*\{\s*"\$imagepolicy"\s*:\s*"([^"]+)"\s*\}\s*)$/;

/**
 * Set the marked fields of one YAML text to the policies' refs (`policies` keyed by `ns:name`).
 * Returns the new text and the changes (old and new values per setter).
 */
export function applySetters(text: string, policies: ReadonlyMap<string, LatestRef>): { text: string; changes: { setter: string; oldValue: string; newValue: string }[] } {
  const changes: { setter: string; oldValue: string; newValue: string }[] = [];
  const lines = text.split("\n").map((line) => {
    const m = MARKED_LINE.exec(line);
    if (m === null) return line;
    const marker = parseMarker(m[5]!);
    const ref = marker && policies.get(marker.policy);
    if (!marker || !ref) return line;
    const next = valueOf(ref, marker.part);
    if (next === m[3]) return line;
    changes.push({ setter: m[5]!, oldValue: m[3]!, newValue: next });
    return `${m[1]}${m[2]}${next}${m[2]}${m[4]}`;
  });
  return { text: lines.join("\n"), changes };
}

async function yamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (e.name === ".git") continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await yamlFiles(p)));
    else if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

function git(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((done, fail) => {
    execFile("git", [...args], { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", ...env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) fail(new Error(String(stderr).trim().split("\n").slice(-2).join(" ") || err.message));
      else done(String(stdout).trim());
    });
  });
}

/** The credentials in the URL git is given, from a `secretRef` Secret's username/password (or bearer token). */
function withCredentials(url: string, secret: KubeObject | undefined): string {
  if (secret === undefined) return url;
  const data = (secret["data"] ?? {}) as Record<string, string>;
  const get = (k: string) => (typeof data[k] === "string" ? Buffer.from(data[k]!, "base64").toString("utf8") : "");
  const u = new URL(url);
  const password = get("password") || get("bearerToken");
  if (password === "") return url;
  u.username = encodeURIComponent(get("username") || "git");
  u.password = encodeURIComponent(password);
  return u.toString();
}

function readyOnly(obj: KubeObject, status: "True" | "False", reason: string, message: string, now: string, stalled = false): Condition[] {
  const generation = obj.metadata.generation ?? 1;
  const kept = (Array.isArray(obj.status?.["conditions"]) ? (obj.status!["conditions"] as Condition[]) : []).filter((c) => c.type === "Ready");
  const ready = withCondition(kept, { type: "Ready", status, reason, message, observedGeneration: generation }, now);
  return stalled ? withCondition(ready, { type: "Stalled", status: "True", reason, message, observedGeneration: generation }, now) : ready;
}

export interface AutomationInputs {
  /** The GitRepository `spec.sourceRef` names, if it exists. */
  readonly source: KubeObject | undefined;
  /** Its `secretRef` Secret, if any. */
  readonly secret: KubeObject | undefined;
  /** The ImagePolicies the `policySelector` selects, in the automation's namespace. */
  readonly policies: readonly KubeObject[];
  readonly now: string;
  /** Whether a full sync is needed even when the policies and the branch's head did not change. */
  readonly force: boolean;
}

/** One run of an ImageUpdateAutomation: the status to write. */
export async function reconcileImageUpdateAutomation(obj: KubeObject, o: AutomationInputs): Promise<Record<string, unknown>> {
  const generation = obj.metadata.generation ?? 1;
  const base: Record<string, unknown> = { ...(obj.status ?? {}), observedGeneration: generation, lastAutomationRunTime: o.now };
  const spec = (obj.spec ?? {}) as { sourceRef?: { kind?: string; name?: string }; git?: { checkout?: { ref?: { branch?: string } }; commit?: { author?: { name?: string; email?: string }; messageTemplate?: string }; push?: { branch?: string } }; update?: { path?: string; strategy?: string } };
  const fail = (reason: string, message: string, stalled = false) => ({ ...base, conditions: readyOnly(obj, "False", reason, message, o.now, stalled) });
  if ((spec.sourceRef?.kind ?? "GitRepository") !== "GitRepository") return fail("InvalidSourceConfig", `source kind '${spec.sourceRef?.kind}' not supported: invalid source configuration`, true);
  if (spec.git === undefined) return fail("InvalidSourceConfig", "source kind 'GitRepository' necessitates field .spec.git: invalid source configuration", true);
  if (o.source === undefined) return fail("SourceManagerFailed", `failed configuring source manager: referenced git repository does not exist: gitrepositories.source.toolkit.fluxcd.io "${spec.sourceRef?.name ?? ""}" not found`);
  if (spec.update === undefined) return fail("InvalidUpdateStrategy", "no update strategy given in the spec", true);
  if (spec.update.strategy !== undefined && spec.update.strategy !== "Setters") return fail("InvalidUpdateStrategy", `unsupported update strategy: ${spec.update.strategy}`, true);
  const template = spec.git.commit?.messageTemplate ?? "";
  if (template.includes("{{")) {
    return fail(UNSUPPORTED_REASON, "the local cloud does not render Go templates in spec.git.commit.messageTemplate; use a literal message, or run the real controller with `iac local serve --kubernetes=real`");
  }
  const sourceRef = (o.source.spec?.["ref"] ?? {}) as { branch?: string };
  const checkout = spec.git.checkout?.ref?.branch ?? sourceRef.branch ?? "master";
  const pushBranch = spec.git.push?.branch ?? checkout;
  const url = String(o.source.spec?.["url"] ?? "");

  const observedPolicies: Record<string, LatestRef> = {};
  const refs = new Map<string, LatestRef>();
  for (const p of o.policies) {
    const latest = p.status?.["latestRef"] as LatestRef | undefined;
    if (latest === undefined) continue;
    observedPolicies[p.metadata.name] = { name: latest.name, tag: latest.tag, ...(latest.digest ? { digest: latest.digest } : {}) };
    refs.set(`${p.metadata.namespace ?? "default"}:${p.metadata.name}`, latest);
  }

  const work = await mkdtemp(join(tmpdir(), "iac-image-automation-"));
  try {
    let head: string;
    try {
      await git(["clone", "--quiet", "--single-branch", "--branch", checkout, withCredentials(url, o.secret), "repo"], work);
      head = await git(["rev-parse", "HEAD"], join(work, "repo"));
    } catch (err) {
      return fail("GitOperationFailed", `failed to checkout source: ${(err as Error).message.replace(/\/\/[^@/]*@/g, "//")}`);
    }
    const dir = join(work, "repo");
    const revision = `${checkout}@sha1:${head}`;
    const samePolicies = JSON.stringify(observedPolicies) === JSON.stringify(obj.status?.["observedPolicies"] ?? {});
    if (!o.force && samePolicies && obj.status?.["observedSourceRevision"] === revision) {
      return { ...base, conditions: readyOnly(obj, "True", "Succeeded", READY_MESSAGE, o.now) };
    }
    const root = resolve(dir, spec.update.path ?? ".");
    if (root !== dir && !root.startsWith(dir + sep)) return fail("UpdateFailed", `failed to apply policies: failed to secure join manifest path: ${spec.update.path} is outside the repository`);
    let changed = 0;
    for (const file of await yamlFiles(root)) {
      const text = await readFile(file, "utf8");
      if (!text.includes('"$imagepolicy"')) continue;
      const r = applySetters(text, refs);
      if (r.changes.length === 0) continue;
      await writeFile(file, r.text);
      await git(["add", "--", relative(dir, file)], dir);
      changed++;
    }
    if (changed === 0) {
      return { ...base, observedSourceRevision: revision, observedPolicies, conditions: readyOnly(obj, "True", "Succeeded", READY_MESSAGE, o.now) };
    }
    const author = spec.git.commit?.author ?? {};
    const who = { GIT_AUTHOR_NAME: author.name ?? "", GIT_AUTHOR_EMAIL: author.email ?? "", GIT_COMMITTER_NAME: author.name ?? "", GIT_COMMITTER_EMAIL: author.email ?? "" };
    try {
      await git(["-c", "commit.gpgsign=false", "commit", "--quiet", "--allow-empty-message", "-m", template || DEFAULT_MESSAGE], dir, who);
      await git(["push", "--quiet", "origin", `HEAD:refs/heads/${pushBranch}`], dir);
    } catch (err) {
      return fail("GitOperationFailed", `failed to update source: ${(err as Error).message.replace(/\/\/[^@/]*@/g, "//")}`);
    }
    const pushed = await git(["rev-parse", "HEAD"], dir);
    return {
      ...base,
      observedSourceRevision: pushBranch === checkout ? `${pushBranch}@sha1:${pushed}` : revision,
      observedPolicies,
      lastPushCommit: pushed,
      lastPushTime: o.now,
      conditions: readyOnly(obj, "True", "Succeeded", READY_MESSAGE, o.now),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
