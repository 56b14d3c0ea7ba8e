/**
 * The image-reflector-controller's pure rules (v1.2.0, `internal/policy` and the scan), emulated:
 * which tags a scan keeps (the exclusion list), the scan's checksum and latest tags, and which tag
 * an ImagePolicy selects (semver, alphabetical, numerical, with `filterTags` and `extract`).
 */
import semver from "semver";

/** Flux's default `exclusionList`: cosign signature tags. */
export const DEFAULT_EXCLUSION_LIST = ["^.*\\.sig$"];
const LATEST_TAGS_COUNT = 10;

/** A Go (RE2) regular expression as JavaScript reads it: `(?P<name>` becomes `(?<name>`. */
export function goRegExp(pattern: string): RegExp {
  return new RegExp(pattern.replace(/\(\?P</g, "(?<"));
}

/** An invalid policy (the real controller stalls with reason `InvalidPolicy`). */
export class InvalidPolicyError extends Error {}

/** The tags a scan keeps: those no exclusion pattern matches. */
export function filterOutTags(tags: readonly string[], patterns: readonly string[]): string[] {
  const res = patterns.map((p) => goRegExp(p));
  return tags.filter((t) => !res.some((r) => r.test(t)));
}

/** Tags sorted descending by byte order, as the controller stores them. */
export function sortTagsDescending(tags: readonly string[]): string[] {
  return [...tags].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
}

/** `lastScanResult.latestTags`: the first ten of the descending order (absent when there are none). */
export function latestTags(tags: readonly string[]): string[] | undefined {
  const l = sortTagsDescending(tags).slice(0, LATEST_TAGS_COUNT);
  return l.length === 0 ? undefined : l;
}

/** Adler-32 of the bytes, as Go's hash/adler32. */
function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * `lastScanResult.revision`: Adler-32 of the JSON of the stored tags (descending), as the
 * controller's Badger database returns it from SetTags.
 */
export function tagsChecksum(tags: readonly string[]): string {
  // Go's encoding/json escapes <, > and & in strings; tags never contain them (the registry refuses such tags).
  return String(adler32(Buffer.from(JSON.stringify(sortTagsDescending(tags)), "utf8")));
}

/** Go's `Regexp.ExpandString`: `$1`, `${1}`, `$name`, `${name}` and `$$` in `template`, from a match. */
export function expandTemplate(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_whole, all: string, braced?: string, bare?: string) => {
    if (all === "$") return "$";
    const name = braced ?? bare!;
    if (/^\d+$/.test(name)) return match[Number(name)] ?? "";
    return match.groups?.[name] ?? "";
  });
}

export interface PolicyChoice {
  readonly semver?: { readonly range: string };
  readonly alphabetical?: { readonly order?: string };
  readonly numerical?: { readonly order?: string };
}

export interface FilterTags {
  readonly pattern?: string;
  readonly extract?: string;
}

/** A Masterminds semver version as Flux parses it: three dot-separated parts, an optional `v`. */
function parseVersion(tag: string): semver.SemVer | undefined {
  if (tag.split(".").length < 3) return undefined;
  return semver.parse(tag, { loose: true }) ?? undefined;
}

function latestOf(choice: PolicyChoice, tags: readonly string[]): string {
  if (tags.length === 0) throw new Error("version list argument cannot be empty");
  if (choice.semver !== undefined) {
    // Masterminds separates AND-ed constraints with commas; npm's semver with spaces.
    const range = choice.semver.range.replace(/,/g, " ");
    if (semver.validRange(range, { loose: true }) === null) throw new InvalidPolicyError(`invalid policy: improper constraint: ${choice.semver.range}`);
    let best: { v: semver.SemVer; tag: string } | undefined;
    for (const tag of tags) {
      const v = parseVersion(tag);
      if (v && semver.satisfies(v, range, { loose: true }) && (best === undefined || semver.gt(v, best.v))) best = { v, tag };
    }
    if (best === undefined) throw new Error("unable to determine latest version from provided list");
    return best.tag;
  }
  const order = (choice.alphabetical?.order ?? choice.numerical?.order ?? "").toUpperCase() || "ASC";
  if (order !== "ASC" && order !== "DESC") throw new InvalidPolicyError(`invalid policy: invalid order argument provided: '${order}', must be one of: ASC, DESC`);
  if (choice.alphabetical !== undefined) {
    const sorted = [...tags].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return order === "ASC" ? sorted.at(-1)! : sorted[0]!;
  }
  if (choice.numerical !== undefined) {
    let latest: string | undefined;
    let pv = 0;
    for (const [i, tag] of tags.entries()) {
      const cv = Number(tag);
      if (tag.trim() === "" || Number.isNaN(cv)) throw new Error(`failed to parse invalid numeric value '${tag}'`);
      if (i > 0 && ((order === "ASC" && cv < pv) || (order === "DESC" && cv > pv))) continue;
      latest = tag;
      pv = cv;
    }
    return latest!;
  }
  throw new InvalidPolicyError("invalid policy: given ImagePolicyChoice object is invalid");
}

/**
 * The tag an ImagePolicy selects among `tags` (the repository's scanned tags). With `filterTags`,
 * only matching tags take part, compared by their `extract` expansion; the original tag is returned.
 * Throws {@link InvalidPolicyError} for a policy that can never work, Error when no tag fits.
 */
export function selectLatestTag(choice: PolicyChoice, filter: FilterTags | undefined, tags: readonly string[]): string {
  if (filter?.pattern === undefined && filter?.extract === undefined) return latestOf(choice, tags);
  let re: RegExp;
  try {
    re = goRegExp(filter.pattern ?? "");
  } catch (err) {
    throw new InvalidPolicyError(`invalid policy: failed to filter tags: invalid regular expression pattern '${filter.pattern}': ${(err as Error).message}`);
  }
  const byExtracted = new Map<string, string>();
  for (const tag of tags) {
    const m = re.exec(tag);
    if (m === null) continue;
    byExtracted.set(filter.extract ? expandTemplate(filter.extract, m) : tag, tag);
  }
  const latest = latestOf(choice, [...byExtracted.keys()]);
  return byExtracted.get(latest) ?? "";
}

/** The canonical name go-containerregistry gives an image repository (`nginx` -> `index.docker.io/library/nginx`). */
export function canonicalImageName(image: string): string {
  const slash = image.indexOf("/");
  const first = slash < 0 ? "" : image.slice(0, slash);
  const isRegistry = first !== "" && (first.includes(".") || first.includes(":") || first === "localhost");
  if (!isRegistry) return `index.docker.io/${image.includes("/") ? image : `library/${image}`}`;
  if (first === "docker.io") return `index.docker.io/${image.slice(slash + 1).includes("/") ? image.slice(slash + 1) : `library/${image.slice(slash + 1)}`}`;
  return image;
}
