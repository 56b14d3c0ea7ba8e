/**
 * Helpers of the `iac console` tests: a project with components, dependencies and a secret, the
 * real `iac console` started as a child process (its URL read from what it prints), and requests
 * that carry (or do not carry) its token.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { request } from "node:http";
import { TestProject, waitFor } from "./cli-fixture.js";

/** The secret the program holds: no response may contain it unless --show-secrets. */
export const SECRET = "hunter2-console-secret";

/** A component with two Things, a Thing that depends on one of them and holds a secret. `v` changes a value. */
export function program(v: string, options: { readonly delayMs?: number; readonly extra?: number } = {}): string {
  const delay = options.delayMs !== undefined ? `, delayMs: ${options.delayMs}` : "";
  const extra = Array.from({ length: options.extra ?? 0 }, (_, i) => `new Thing("extra${i}", { value: "x${i}"${delay} }, { dependsOn: [group.first] });`).join("\n");
  return `
import { ComponentResource, secret } from "@iac/sdk";
import { Thing } from "./thing.js";

class Group extends ComponentResource {
  constructor(name) {
    super("test:index:Group", name);
    this.first = new Thing("first", { value: "one"${delay} }, { parent: this });
    this.other = new Thing("other", { value: "${v}"${delay} }, { parent: this, dependsOn: [this.first] });
    this.registerOutputs({});
  }
}

const group = new Group("group");
const second = new Thing("second", { value: group.first.value, password: secret("${SECRET}")${delay} });
${extra}
export const value = second.value;
export const password = secret("${SECRET}");
`;
}

export interface RunningConsole {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:port/` */
  readonly url: string;
  readonly loginUrl: string;
  readonly token: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Start `iac console` in the project; resolves once it printed its URL. */
export async function startConsole(project: TestProject, args: readonly string[] = [], env?: Readonly<Record<string, string>>): Promise<RunningConsole> {
  const child = project.spawn(["console", "--no-open", ...args], env !== undefined ? { env } : undefined);
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (out += d));
  let exited = false;
  child.on("exit", () => (exited = true));
  await waitFor("iac console to print its URL", async () => {
    if (exited) throw new Error(`iac console exited:\n${out}`);
    return /http:\/\/\S+\?token=\w+/.test(out);
  });
  const loginUrl = /http:\/\/\S+\?token=\w+/.exec(out)![0];
  const url = loginUrl.slice(0, loginUrl.indexOf("?"));
  return {
    child,
    url,
    loginUrl,
    token: new URL(loginUrl).searchParams.get("token")!,
    output: () => out,
    async stop() {
      if (exited) return;
      const done = new Promise((r) => child.once("exit", r));
      child.kill("SIGINT");
      await done;
    },
  };
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A GET with node's http client (so the Host header can be set too). */
export function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The Chromium binary the browser tests drive: `$CHROMIUM` when set (only it), else Debian's; undefined when none. */
export function chromiumPath(): string | undefined {
  const given = process.env.CHROMIUM;
  const candidates = given !== undefined && given !== "" ? [given] : ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
  return candidates.find((p) => existsSync(p));
}
