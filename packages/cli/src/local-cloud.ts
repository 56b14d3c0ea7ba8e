/**
 * `--local`: find or start the local cloud for a project and point the providers at it through
 * `IAC_LOCAL_ENDPOINTS` (docs/decisions/0002-local-cloud-wiring.md). The CLI imports no provider.
 */

export interface LocalCloudHandle {
  /** Restore `IAC_LOCAL_ENDPOINTS` and stop the cloud if this process started it. */
  close(): Promise<void>;
}

/** The emulator, loaded only by the commands that use it (it is not needed to deploy to a real cloud). */
export function loadEmulator(): Promise<typeof import("@iac/emulator")> {
  return import("@iac/emulator");
}

/**
 * Use the project's running local cloud (`iac local serve`) or start one in this process, and set
 * `process.env.IAC_LOCAL_ENDPOINTS` for the run. The providers read that variable when they are
 * configured, which happens inside the engine run, in this process.
 */
export async function startLocalCloud(options: { readonly projectDir: string; readonly env: Readonly<Record<string, string | undefined>>; readonly say: (line: string) => void }): Promise<LocalCloudHandle> {
  const { ensureLocalCloud } = await loadEmulator();
  const cloud = await ensureLocalCloud(options.projectDir);
  const file = cloud.endpointsFile;
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
