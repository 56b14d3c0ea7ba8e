/**
 * `local: true`: the project's running local cloud (`iac local serve`), or one started in this
 * process for the operation, with `IAC_LOCAL_ENDPOINTS` pointing the providers at it
 * (docs/decisions/0002-local-cloud-wiring.md). The CLI's `--local` is this module too. The
 * emulator is loaded only when asked for.
 */
export interface LocalCloudHandle {
  /** Restores `IAC_LOCAL_ENDPOINTS` and stops the cloud if this process started it. */
  close(): Promise<void>;
}

/**
 * Uses the project's running local cloud or starts one in this process, for as long as the caller
 * holds it: what `local: true` does for each operation, for a caller that runs several against one
 * cloud (the CLI: a preview, its confirmation, then the up).
 */
export async function startLocalCloud(options: { readonly projectDir: string; readonly say: (line: string) => void }): Promise<LocalCloudHandle> {
  const { ensureLocalCloud } = await import("@iac/emulator");
  const cloud = await ensureLocalCloud(options.projectDir);
  const previous = process.env.IAC_LOCAL_ENDPOINTS;
  // Process-wide: the providers read it when the engine configures them, inside this run.
  process.env.IAC_LOCAL_ENDPOINTS = cloud.endpointsFile;
  options.say(cloud.inProcess ? `Started the local cloud in this process (endpoints in ${cloud.endpointsFile}).` : `Using the running local cloud (endpoints in ${cloud.endpointsFile}).`);
  return {
    close: async () => {
      if (previous === undefined) delete process.env.IAC_LOCAL_ENDPOINTS;
      else process.env.IAC_LOCAL_ENDPOINTS = previous;
      // A server someone else runs (`iac local serve`) is not ours to stop.
      if (cloud.inProcess) await cloud.close();
    },
  };
}
