/**
 * Running consoles announce themselves so that `iac up` can print the link to the update it just
 * recorded: one file per console, `<config home>/consoles/<pid>.json` (mode 0600: it holds the
 * token), removed when the console stops. A file whose process is gone is ignored and removed.
 */
import { mkdir, readdir, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface ConsoleAnnouncement {
  readonly pid: number;
  /** The backend URL the console reads (`Backend.url`). */
  readonly backend: string;
  /** Base URL, no token. */
  readonly url: string;
  readonly token: string;
}

export function consolesDir(configHome: string): string {
  return join(configHome, "consoles");
}

export async function announce(configHome: string, a: ConsoleAnnouncement): Promise<() => Promise<void>> {
  const dir = consolesDir(configHome);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${a.pid}.json`);
  await writeFile(file, `${JSON.stringify(a)}\n`, { mode: 0o600 });
  return () => unlink(file).catch(() => undefined);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The running console that reads `backend`, if any. */
export async function findConsole(configHome: string, backend: string): Promise<ConsoleAnnouncement | undefined> {
  const dir = consolesDir(configHome);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.endsWith(".json")) continue;
    const a = await readFile(join(dir, name), "utf8")
      .then((t) => JSON.parse(t) as ConsoleAnnouncement)
      .catch(() => undefined);
    if (a === undefined || typeof a.pid !== "number") continue;
    if (!alive(a.pid)) {
      await unlink(join(dir, name)).catch(() => undefined);
      continue;
    }
    if (a.backend === backend) return a;
  }
  return undefined;
}

/** The page of one update of a stack, logging in with the token. */
export function updateLink(a: ConsoleAnnouncement, stack: string, updateId: string): string {
  return `${a.url}?token=${a.token}#/stacks/${encodeURIComponent(stack)}/updates/${encodeURIComponent(updateId)}`;
}
