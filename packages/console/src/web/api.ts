/** The console server's JSON API, as the page sees it (the response types are the server's own, src/data.ts; type-only, so nothing of the server enters the bundle). */
import type { ResourceDetail, ResourceRow, StackView, UpdateSummary } from "../data.js";
import type { ResourceGraph } from "../graph-model.js";

export type { ResourceDetail, ResourceRow, StackView, UpdateSummary };

export interface Change {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly kind: string;
  readonly status: "done" | "failed" | "skipped";
  readonly deleteBeforeReplace?: boolean;
  readonly diffs?: readonly { readonly path: string; readonly kind: string; readonly replace: boolean; readonly reason?: string }[];
  readonly olds?: Readonly<Record<string, unknown>>;
  readonly news?: Readonly<Record<string, unknown>>;
  readonly durationMs?: number;
  readonly error?: { readonly code: string; readonly message: string };
  readonly reason?: string;
}

export interface UpdateDetail extends UpdateSummary {
  readonly changes?: readonly Change[];
  readonly changesOmitted?: number;
  readonly diagnostics: readonly { readonly severity: string; readonly urn?: string; readonly message: string; readonly time: string }[];
}

export interface Info {
  readonly backend: string;
  readonly project?: string;
  readonly showSecrets: boolean;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function get<T>(path: string): Promise<T> {
  const res = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!res.ok) throw new ApiError(res.status, body.error?.message ?? `${res.status} ${res.statusText}`);
  return body as T;
}

const s = (stack: string) => `/api/stacks/${encodeURIComponent(stack)}`;

export const api = {
  info: () => get<Info>("/api/info"),
  stacks: () => get<StackView[]>("/api/stacks"),
  updates: (stack: string, result?: string) => get<UpdateSummary[]>(`${s(stack)}/updates${result ? `?result=${encodeURIComponent(result)}` : ""}`),
  update: (stack: string, id: string) => get<UpdateDetail>(`${s(stack)}/updates/${encodeURIComponent(id)}`),
  resources: (stack: string) => get<ResourceRow[]>(`${s(stack)}/resources`),
  resource: (stack: string, urn: string) => get<ResourceDetail>(`${s(stack)}/resources?urn=${encodeURIComponent(urn)}`),
  graph: (stack: string) => get<ResourceGraph>(`${s(stack)}/graph`),
  liveUrl: (stack: string) => `${s(stack)}/live`,
};
