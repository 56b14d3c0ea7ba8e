/**
 * Child processes of the real cluster: each writes to its own log file, is recorded by pid in
 * `pids.json` (so a later start can stop what a killed parent left behind, and only that), and
 * stops with SIGTERM, then SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or signal) when the process has exited. */
  readonly exited: Promise<string>;
  stop(graceMs?: number): Promise<void>;
}

/** Records of the processes a data directory's cluster runs (`pids.json`). */
export class PidFile {
  constructor(private readonly file: string) {}

  private read(): Record<string, { pid: number; binary: string }> {
    try {
      return JSON.parse(readFileSync(this.file, "utf8")) as Record<string, { pid: number; binary: string }>;
    } catch {
      return {};
    }
  }

  set(name: string, pid: number, binary: string): void {
    const all = this.read();
    all[name] = { pid, binary };
    writeFileSync(this.file, JSON.stringify(all, null, 2) + "\n");
  }

  remove(name: string): void {
    const all = this.read();
    delete all[name];
    writeFileSync(this.file, JSON.stringify(all, null, 2) + "\n");
  }

  /**
   * Stop the processes an earlier run recorded and left running (its parent was killed). A pid is
   * signalled only when /proc says it still runs the recorded binary, so a reused pid is left alone.
   */
  async reapStale(): Promise<string[]> {
    const reaped: string[] = [];
    for (const [name, { pid, binary }] of Object.entries(this.read())) {
      let cmd = "";
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
      } catch {
        continue;
      }
      if (cmd !== binary) continue;
      try {
        process.kill(pid, "SIGTERM");
        reaped.push(name);
      } catch {
        // already gone
      }
      for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
      if (existsSync(`/proc/${pid}`)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone
        }
      }
    }
    writeFileSync(this.file, "{}\n");
    return reaped;
  }
}

export function startProcess(o: { name: string; binary: string; args: readonly string[]; env?: NodeJS.ProcessEnv; cwd: string; logDir: string; pids: PidFile }): Proc {
  const logFile = join(o.logDir, `${o.name}.log`);
  const fd = openSync(logFile, "a");
  const child = spawn(o.binary, o.args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  if (child.pid !== undefined) o.pids.set(o.name, child.pid, o.binary);
  const exited = new Promise<string>((done) => {
    child.on("exit", (code, signal) => {
      o.pids.remove(o.name);
      done(signal ?? String(code));
    });
    child.on("error", (err) => done(`error: ${err.message}`));
  });
  return {
    name: o.name,
    child,
    logFile,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The last lines of a log file, for error messages. */
export function logTail(file: string, lines = 12): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** A free TCP port on loopback, preferring `preferred` when it is free. */
export async function freePort(preferred?: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | undefined>((done) => {
      const s = createServer();
      s.once("error", () => done(undefined));
      s.listen(port, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => done(p));
      });
    });
  if (preferred !== undefined && preferred > 0) {
    const p = await tryPort(preferred);
    if (p !== undefined) return p;
  }
  const p = await tryPort(0);
  if (p === undefined) throw new Error("no free port on 127.0.0.1");
  return p;
}
