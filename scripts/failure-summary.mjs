// A node:test reporter that writes one short entry per failed test (its name, where it is, and the
// first lines of its error) to its destination, for the test scripts to print after the run.
//
// The spec reporter's own summary repeats every failure whole: one failure whose message carries a
// controller's log can fill a CI log's visible tail and hide the failure that caused the others.
// scripts/test.mjs and scripts/test-conformance.mjs print this file last, so that the first failure
// of a run is always on screen.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const LINES = 8;
/** The summary file's first line: how many tests ran (passed, failed or skipped), for the scripts' own check. */
const RAN = "# tests run: ";
const WIDTH = 240;

/** The assertion inside node:test's wrapper (ERR_TEST_FAILURE keeps the thrown error as its cause). */
function thrown(error) {
  return error?.code === "ERR_TEST_FAILURE" && error.cause !== undefined ? error.cause : error;
}

function firstLines(error) {
  const e = thrown(error);
  const text = e instanceof Error ? `${e.name === "AssertionError" ? "" : `${e.name}: `}${e.message}` : String(e);
  const lines = text.split("\n").map((l) => (l.length > WIDTH ? `${l.slice(0, WIDTH)}…` : l));
  return lines.length > LINES ? [...lines.slice(0, LINES), `… (${lines.length - LINES} more lines in its report above)`] : lines;
}

/** `file:line:col` of the failure: the deepest frame of the thrown error's stack in the test's file (else just the file). */
function locate(file, error) {
  const relative = file.replace(`${process.cwd()}/`, "");
  const stack = String(thrown(error)?.stack ?? "");
  const at = stack.split("\n").map((l) => l.match(/\(?((?:file:\/\/)?\/[^()\s]+):(\d+):(\d+)\)?$/)).find((m) => m && m[1].replace("file://", "") === file);
  return at ? `${relative}:${at[2]}:${at[3]}` : relative;
}

export default async function* failureSummary(source) {
  const failures = [];
  let ran = 0;
  for await (const event of source) {
    if (event.type === "test:pass" && event.data.details?.type !== "suite") ran++;
    if (event.type !== "test:fail") continue;
    const d = event.data;
    // A suite fails because a test in it did: that test is listed already.
    if (d.details?.type === "suite") continue;
    ran++;
    const where = d.file ? locate(d.file, d.details?.error) : "";
    failures.push({ name: d.name, where, lines: firstLines(d.details?.error) });
  }
  yield `${RAN}${ran}\n`;
  if (failures.length === 0) return;
  yield `${failures.length} failed test${failures.length === 1 ? "" : "s"}, in the order they ran (the first is often the cause of the rest):\n`;
  yield failures.map((f, i) => `  ${i + 1}. ${f.name}${f.where ? `  (${f.where})` : ""}\n${f.lines.map((l) => `      ${l}`).join("\n")}\n`).join("");
}

/**
 * `node --test` reporter flags for the spec reporter on stdout and this summary in a temp file, and
 * `print()`, which writes the summary (if any test failed) to stderr, removes the file and returns
 * how many tests ran (0 when the run ended before its reporters did).
 */
export function withFailureSummary() {
  const dir = mkdtempSync(join(tmpdir(), "iac-test-summary-"));
  const file = join(dir, "failures.txt");
  return {
    args: ["--test-reporter=spec", "--test-reporter-destination=stdout", `--test-reporter=${new URL(import.meta.url).pathname}`, `--test-reporter-destination=${file}`],
    print() {
      let text = "";
      try {
        text = readFileSync(file, "utf8");
      } catch {
        // No summary written: the run ended before the reporters did.
      }
      rmSync(dir, { recursive: true, force: true });
      const [first = "", ...rest] = text.split("\n");
      const ran = first.startsWith(RAN) ? Number(first.slice(RAN.length)) : 0;
      const failures = rest.join("\n").trim();
      if (failures) process.stderr.write(`\n${failures}\n`);
      return ran;
    },
  };
}
