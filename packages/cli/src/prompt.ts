/**
 * Questions asked on a terminal: a yes/no confirmation and a hidden secret value. Both read from
 * the streams they are given, so tests answer them with a PassThrough.
 */
import { createInterface } from "node:readline/promises";
import type { Writable } from "node:stream";
import type { OutStream } from "./io.js";

export interface PromptOptions {
  readonly input: NodeJS.ReadableStream;
  /** Where the question is written (stderr, so stdout stays for results). */
  readonly output: OutStream;
  readonly signal?: AbortSignal;
}

/** Ask `question [y/N]`; true only for an explicit yes. End of input or an abort means no. */
export async function confirm(question: string, options: PromptOptions): Promise<boolean> {
  const answer = await ask(`${question} [y/N] `, options);
  return answer !== undefined && /^\s*y(es)?\s*$/i.test(answer);
}

/**
 * Read a secret value: on a terminal, asked for without echo; otherwise all of stdin (one
 * trailing newline dropped), so `echo -n "$TOKEN" | iac config set --secret token` works.
 */
export async function readSecret(question: string, options: PromptOptions & { readonly interactive: boolean }): Promise<string | undefined> {
  if (!options.interactive) return readAll(options.input);
  const answer = await ask(question, { ...options, mute: true });
  options.output.write("\n");
  return answer;
}

async function ask(question: string, options: PromptOptions & { readonly mute?: boolean }): Promise<string | undefined> {
  let muted = false;
  // readline echoes what is typed through `output`; for a secret, that echo is swallowed after the
  // question itself has been written.
  const output = {
    write: (chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (!muted) options.output.write(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      callback?.();
      return true;
    },
    on: () => output,
    once: () => output,
    emit: () => false,
    removeListener: () => output,
    columns: options.output.columns,
    isTTY: options.output.isTTY,
  } as unknown as Writable;
  const rl = createInterface({ input: options.input, output, terminal: options.mute === true && (options.input as { isTTY?: boolean }).isTTY === true });
  const closed = new Promise<undefined>((resolve) => rl.once("close", () => resolve(undefined)));
  try {
    const asked = rl.question(question, options.signal ? { signal: options.signal } : {});
    muted = options.mute === true;
    return await Promise.race([asked, closed]);
  } catch {
    return undefined;
  } finally {
    rl.close();
  }
}

async function readAll(input: NodeJS.ReadableStream): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
  if (chunks.length === 0) return undefined;
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}
