/**
 * `--local`: find or start the local cloud for a project and point the providers at it through
 * `IAC_LOCAL_ENDPOINTS` (docs/decisions/0002-local-cloud-wiring.md). The CLI imports no provider.
 */
import { join } from "node:path";
import { CliError } from "./errors.js";

/** What `@iac/emulator`'s `ensureLocalCloud` returns, as far as the CLI relies on it. */
interface EnsuredLocalCloud {
  readonly endpoints: unknown;
  readonly inProcess: boolean;
  /** Path of `endpoints.json`, when the emulator reports it (default `.iac/local/endpoints.json`). */
  readonly endpointsFile?: string;
  close(): Promise<void>;
}

/** The emulator's functions the CLI calls; looked up at run time so that `--local` is the only path that loads it. */
interface EmulatorModule {
  ensureLocalCloud?: (projectDir: string) => Promise<EnsuredLocalCloud>;
  serveLocalCloud?: (options: { readonly projectDir: string; readonly port?: number }) => Promise<{ readonly endpoints: unknown; readonly endpointsFile?: string; close(): Promise<void> }>;
}

export interface LocalCloudHandle {
  /** Restore `IAC_LOCAL_ENDPOINTS` and stop the cloud if this process started it. */
  close(): Promise<void>;
}

/** Path of a project's `endpoints.json` (written by the local cloud under `.iac/local/`). */
export function endpointsFilePath(projectDir: string): string {
  return join(projectDir, ".iac", "local", "endpoints.json");
}

export async function loadEmulator(): Promise<EmulatorModule> {
  return (await import("@iac/emulator")) as EmulatorModule;
}

/**
 * Use the project's running local cloud (`iac local serve`) or start one in this process, and set
 * `process.env.IAC_LOCAL_ENDPOINTS` for the run. The providers read that variable when they are
 * configured, which happens inside the engine run, in this process.
 */
export async function startLocalCloud(options: { readonly projectDir: string; readonly env: Readonly<Record<string, string | undefined>>; readonly say: (line: string) => void }): Promise<LocalCloudHandle> {
  const emulator = await loadEmulator();
  if (typeof emulator.ensureLocalCloud !== "function") {
    throw new CliError("This build of @iac/emulator does not provide the local cloud yet (no ensureLocalCloud export), so --local cannot be used. Run without --local against a real cloud.", { code: "LocalCloudUnavailable" });
  }
  const cloud = await emulator.ensureLocalCloud(options.projectDir);
  const file = cloud.endpointsFile ?? endpointsFilePath(options.projectDir);
  const previous = process.env.IAC_LOCAL_ENDPOINTS;
  process.env.IAC_LOCAL_ENDPOINTS = file;
  options.say(cloud.inProcess ? `Started the local cloud in this process (endpoints in ${file}).` : `Using the running local cloud (endpoints in ${file}).`);
  return {
    close: async () => {
      if (previous === undefined) delete process.env.IAC_LOCAL_ENDPOINTS;
      else process.env.IAC_LOCAL_ENDPOINTS = previous;
      // A server someone else runs (`iac local serve`) is not ours to stop.
      if (cloud.inProcess) await cloud.close();
    },
  };
}
