/**
 * Azurite (Microsoft's Blob Storage emulator, from npm) as a child process on a free loopback
 * port, in memory, for the azblob backend tests. A test file starts one and stops it at the end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";

/** The emulator's well-known development account and key (published in Azurite's README; not a secret). */
const ACCOUNT = "devstoreaccount1";
const KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  readonly connectionString: string;
  /** An environment for `openBackend` that reaches this emulator. */
  readonly env: Readonly<Record<string, string>>;
  readonly service: BlobServiceClient;
  stop(): Promise<void>;
}

/** Start Azurite, or say why it could not start (the tests then skip with that reason). */
export async function startAzurite(): Promise<{ readonly azurite: Azurite } | { readonly skip: string }> {
  let main: string;
  try {
    main = createRequire(import.meta.url).resolve("azurite/dist/src/blob/main.js");
  } catch {
    return { skip: "Azurite is not installed (npm install -D azurite -w packages/engine)" };
  }
  const cwd = await mkdtemp(join(tmpdir(), "iac-azurite-"));
  const child = spawn(
    process.execPath,
    [main, "--blobHost", "127.0.0.1", "--blobPort", "0", "--inMemoryPersistence", "--silent", "--skipApiVersionCheck", "--disableTelemetry"],
    { cwd, stdio: ["ignore", "pipe", "pipe"] },
  );
  const port = await new Promise<number | string>((resolve) => {
    let out = "";
    const timer = setTimeout(() => resolve(`Azurite did not start within 20 s: ${out.trim().slice(-300)}`), 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(`Azurite exited (${code}) before listening: ${out.trim().slice(-300)}`);
    });
  });
  if (typeof port === "string") {
    await stop(child);
    await rm(cwd, { recursive: true, force: true });
    return { skip: port };
  }
  // Keep draining its output so that a full pipe never blocks it.
  child.stdout!.resume();
  child.stderr!.resume();
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:${port}/${ACCOUNT};`;
  return {
    azurite: {
      connectionString,
      env: { AZURE_STORAGE_CONNECTION_STRING: connectionString },
      service: BlobServiceClient.fromConnectionString(connectionString),
      async stop() {
        await stop(child);
        await rm(cwd, { recursive: true, force: true });
      },
    },
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}
