/**
 * What list operations read from the query string: `$filter` (the OData subset ARM evaluates for
 * resource and resource group lists) and paging (`$top`, `$skiptoken`, `nextLink`).
 *
 * Paging: a list answers at most one page (`pageSize`, or `$top` when smaller) and a `nextLink`
 * that repeats the request with a `$skiptoken`; the SDKs' pagers follow it until it is absent
 * (resource-api-reference.md, "Get Resource" collections: "nextLink … the continuation token").
 * The page size of real lists varies per provider; the local cloud's is an option (default 1000).
 */
import { ArmError } from "./errors.js";
import type { ArmRequest, ArmResponse } from "./http.js";
import type { Json } from "./model.js";

/** What a filter can look at in a row. */
export interface FilterRow {
  readonly name: string;
  readonly type: string;
  readonly location: string;
  readonly resourceGroup: string;
  readonly tags: Readonly<Record<string, string>> | undefined;
}

/** Refuses a `$filter` on a list that evaluates none (see {@link invalidFilter}). */
export function noFilter(req: ArmRequest): void {
  const f = req.query.get("$filter");
  if (f !== null && f.trim() !== "") throw invalidFilter(f, "the local cloud does not filter this list; list without $filter and filter the rows yourself");
}

/** Fields a list accepts in `$filter`. */
export type FilterField = "name" | "resourceType" | "location" | "resourceGroup" | "tagName" | "tagValue" | "substringof";

export interface Filter {
  readonly test: (row: FilterRow) => boolean;
  /** A tag filter: ARM then leaves tags out of the rows ("When you filter by a tag name and value, the tags for each resource are not returned in the results", Resources - List docs). */
  readonly byTag: boolean;
}

/**
 * 400 `InvalidFilterInQueryString`: a filter ARM cannot evaluate (the code real ARM answers a
 * malformed `$filter` with, as `az policy` tooling notes record it). Message ours. Refusing beats
 * ignoring: an ignored filter answers with everything, which reads as a result.
 */
function invalidFilter(filter: string, why: string): ArmError {
  return new ArmError({ status: 400, code: "InvalidFilterInQueryString", message: `The $filter '${filter}' is invalid: ${why}.` });
}

const CLAUSE_EQ = /^(\w+)\s+eq\s+'((?:[^']|'')*)'$/i;
const CLAUSE_SUBSTRING = /^substringof\(\s*'((?:[^']|'')*)'\s*,\s*(\w+)\s*\)$/i;

/** Parse `$filter` (clauses joined by `and`); undefined when absent. */
export function parseFilter(text: string | null, allowed: ReadonlySet<FilterField>): Filter | undefined {
  if (text === null || text.trim() === "") return undefined;
  const tests: ((row: FilterRow) => boolean)[] = [];
  let tagName: string | undefined;
  let tagValue: string | undefined;
  for (const raw of text.split(/\s+and\s+/i)) {
    const clause = raw.trim();
    const sub = CLAUSE_SUBSTRING.exec(clause);
    if (sub) {
      const [, needle = "", field = ""] = sub;
      if (!allowed.has("substringof") || !["name", "resourcegroup"].includes(field.toLowerCase())) throw invalidFilter(text, `substringof is not supported on '${field}' here`);
      const value = needle.replace(/''/g, "'").toLowerCase();
      tests.push((row) => (field.toLowerCase() === "name" ? row.name : row.resourceGroup).toLowerCase().includes(value));
      continue;
    }
    const eq = CLAUSE_EQ.exec(clause);
    if (!eq) throw invalidFilter(text, `'${clause}' is not a supported expression (use "<field> eq '<value>'" or "substringof('<value>', name)")`);
    const field = (eq[1] ?? "") as string;
    const value = (eq[2] ?? "").replace(/''/g, "'");
    const known = [...allowed].find((f) => f.toLowerCase() === field.toLowerCase());
    if (known === undefined || known === "substringof") throw invalidFilter(text, `'${field}' cannot be filtered on here; supported: ${[...allowed].join(", ")}`);
    switch (known) {
      case "tagName":
        tagName = value;
        break;
      case "tagValue":
        tagValue = value;
        break;
      case "name":
        tests.push((row) => row.name.toLowerCase() === value.toLowerCase());
        break;
      case "resourceType":
        tests.push((row) => row.type.toLowerCase() === value.toLowerCase());
        break;
      case "location":
        tests.push((row) => row.location.toLowerCase().replace(/\s/g, "") === value.toLowerCase().replace(/\s/g, ""));
        break;
      case "resourceGroup":
        tests.push((row) => row.resourceGroup.toLowerCase() === value.toLowerCase());
        break;
    }
  }
  if (tagValue !== undefined && tagName === undefined) throw invalidFilter(text, "tagValue needs tagName beside it");
  if (tagName !== undefined) {
    // "Filtering by tag names or values can't be combined with other filters" (Resources - List docs).
    if (tests.length > 0) throw invalidFilter(text, "a tag filter cannot be combined with other filters");
    const name = tagName.toLowerCase();
    tests.push((row) => Object.entries(row.tags ?? {}).some(([k, v]) => k.toLowerCase() === name && (tagValue === undefined || v === tagValue)));
  }
  return { test: (row) => tests.every((t) => t(row)), byTag: tagName !== undefined };
}

/**
 * One page of `rows`, with a `nextLink` when more follow. `$top` makes pages smaller; `$skiptoken`
 * (opaque to clients: an offset here) says where the page starts.
 */
export function paged(req: ArmRequest, rows: readonly Json[], pageSize: number): ArmResponse {
  let size = pageSize;
  // `$top` (resource lists) and `$maxpagesize` (storage lists: "Optional. Specified maximum number of shares that can be included in the list").
  for (const name of ["$top", "$maxpagesize"]) {
    const text = req.query.get(name);
    if (text === null || text === "") continue;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) {
      throw new ArmError({ status: 400, code: "InvalidQueryParameterValue", message: `The value '${text}' of query parameter '${name}' is invalid; it must be a positive integer.`, target: name });
    }
    size = Math.min(size, n);
  }
  const token = req.query.get("$skiptoken");
  const start = token === null ? 0 : Number.parseInt(Buffer.from(token, "base64url").toString("utf8"), 10);
  if (!Number.isInteger(start) || start < 0) {
    // Ours: a token the local cloud did not hand out.
    throw new ArmError({ status: 400, code: "InvalidSkipToken", message: `The $skiptoken '${token}' was not issued by this list; follow nextLink as returned.` });
  }
  const value = rows.slice(start, start + size);
  if (start + size >= rows.length) return { status: 200, body: { value } };
  // Keys as ARM writes them (`$skiptoken`, not `%24skiptoken`).
  const query = [...req.query].filter(([k]) => k !== "$skiptoken").map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
  query.push(`$skiptoken=${Buffer.from(String(start + size)).toString("base64url")}`);
  const nextLink = `${req.baseUrl}/${req.segments.map(encodeURIComponent).join("/")}?${query.join("&")}`;
  return { status: 200, body: { value, nextLink } };
}
