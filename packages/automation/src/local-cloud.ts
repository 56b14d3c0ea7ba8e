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
  await holdEndpoints(cloud.endpointsFile);
  options.say(cloud.inProcess ? `Started the local cloud in this process (endpoints in ${cloud.endpointsFile}).` : `Using the running local cloud (endpoints in ${cloud.endpointsFile}).`);
  let closed = false;
  return {
    close: async () => {
      if (closed) return;
      closed = true;
      releaseEndpoints();
      // A server someone else runs (`iac local serve`) is not ours to stop.
      if (cloud.inProcess) await cloud.close();
    },
  };
}

/**
 * `IAC_LOCAL_ENDPOINTS` is process-wide (the providers read it when the engine configures them),
 * and several runs may be under way in this process: runs using the same local cloud share it (the
 * variable is restored when the last one closes); a run using another local cloud (another
 * project's) waits until they have closed. On `globalThis` so every copy of this module agrees.
 */
interface EndpointsHold {
  readonly file: string;
  readonly previous: string | undefined;
  holders: number;
  readonly released: Promise<void>;
  readonly release: () => void;
}
const HOLD = Symbol.for("iac.automation.localEndpoints");
const slot = globalThis as Record<symbol, EndpointsHold | undefined>;

async function holdEndpoints(file: string): Promise<void> {
  for (;;) {
    const held = slot[HOLD];
    if (held === undefined) {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      slot[HOLD] = { file, previous: process.env.IAC_LOCAL_ENDPOINTS, holders: 1, released, release };
      process.env.IAC_LOCAL_ENDPOINTS = file;
      return;
    }
    if (held.file === file) {
      held.holders++;
      return;
    }
    await held.released;
  }
}

function releaseEndpoints(): void {
  const held = slot[HOLD];
  if (held === undefined || --held.holders > 0) return;
  if (held.previous === undefined) delete process.env.IAC_LOCAL_ENDPOINTS;
  else process.env.IAC_LOCAL_ENDPOINTS = held.previous;
  slot[HOLD] = undefined;
  held.release();
}
