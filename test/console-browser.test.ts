/**
 * `iac console` driven in headless Chromium (Debian's `chromium` through playwright-core; no browser
 * is downloaded): the stacks listed, an update opened and its diff read, the resources searched and
 * sorted, the graph drawn with as many nodes and edges as the state holds (screenshots in light and
 * dark saved outside the checkout: see {@link artifactsDir}), a graph search, a resource's masked
 * inputs, a running up watched without reload, and no request to any host but the console.
 * Skipped, loudly, when no Chromium binary is found (CI machines may lack one).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { ROOT, TestProject, show } from "./cli-fixture.js";
import { chromiumPath, program, SECRET, startConsole, type RunningConsole } from "./console-fixture.js";
import type { Browser, Page } from "playwright-core";

const chromium = chromiumPath();
const SKIP = chromium === undefined ? "NO CHROMIUM: the browser tests of iac console did not run. Install Debian's chromium (apt-get install -y chromium) or set CHROMIUM=/path/to/chrome." : false;
if (SKIP) process.stderr.write(`\n*** SKIPPED test/console-browser.test.ts: ${SKIP}\n\n`);

/** Set to a directory, the screenshots go to `console-browser/` in it (a CI job keeps it as its artifacts). */
const ARTIFACTS_ENV = "IAC_TEST_ARTIFACTS";

/**
 * Where the screenshots go: `$IAC_TEST_ARTIFACTS/console-browser/` when that is set, else a fresh
 * directory under the system's temp directory; never the checkout. The run prints the path.
 */
async function artifactsDir(): Promise<string> {
  const given = process.env[ARTIFACTS_ENV];
  if (given === undefined || given === "") return mkdtemp(join(tmpdir(), "iac-console-artifacts-"));
  const dir = join(resolve(given), "console-browser");
  await mkdir(dir, { recursive: true });
  return dir;
}

const SCREENSHOTS = ["stacks.png", "update.png", "resources-dark.png", "graph-light.png", "graph-dark.png", "live.png"];

let ARTIFACTS: string;

let project: TestProject;
let consoleRun: RunningConsole;
let browser: Browser;
let page: Page;
const requests: string[] = [];

before(async () => {
  if (SKIP) return;
  ARTIFACTS = await artifactsDir();
  project = await TestProject.create({ name: "browsertest", files: { "index.ts": program("two") } });
  for (const v of ["two", "three"]) {
    await project.write({ "index.ts": program(v) });
    const up = await project.run(["up", "--yes"]);
    assert.equal(up.code, 0, show(up));
  }
  consoleRun = await startConsole(project);
  const { chromium: launcher } = await import("playwright-core");
  browser = await launcher.launch({ executablePath: chromium, args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(consoleRun.loginUrl);
});
after(async () => {
  await browser?.close();
  await consoleRun?.stop();
  await project?.remove();
  if (ARTIFACTS !== undefined) process.stderr.write(`\nScreenshots of test/console-browser.test.ts: ${ARTIFACTS}\n`);
});

test("the stacks page lists the stack with its last update and masked outputs", { skip: SKIP }, async () => {
  const row = page.locator('tr[data-stack="dev"]');
  await row.waitFor();
  assert.match(await row.innerText(), /succeeded/);
  assert.match(await row.innerText(), /\[secret\]/);
  await page.screenshot({ path: join(ARTIFACTS, "stacks.png") });
  assert.ok(!page.url().includes("token="), `the token left the address bar: ${page.url()}`);
});

test("an update opened from the history shows its diff as preview prints it, and who ran it from which commit", { skip: SKIP }, async () => {
  await page.click('tr[data-stack="dev"] a');
  await page.locator("tr[data-update]").first().waitFor();
  assert.equal(await page.locator("tr[data-update]").count(), 2);
  await page.selectOption("#result-filter", "failed");
  await page.getByText("No failed updates.").waitFor();
  await page.selectOption("#result-filter", "");
  await page.locator("tr[data-update]").first().locator("a").click();
  const change = page.locator("li.change").first();
  await change.waitFor();
  const text = await change.innerText();
  assert.match(text, /~ +test:index:Thing +other +update/);
  assert.match(text, /~ value: "two" => "three"/);
  const meta = await page.locator("dl.meta").innerText();
  assert.match(meta, /Git commit\s+[0-9a-f]{40}/);
  assert.match(meta, /iac version\s+0\.1\.0/);
  await page.screenshot({ path: join(ARTIFACTS, "update.png"), fullPage: true });
});

test("resources: searched and sorted; a click shows inputs and outputs with secrets masked", { skip: SKIP }, async () => {
  await page.click('nav.tabs a:has-text("Resources")');
  await page.locator("table.resources tbody tr").first().waitFor();
  assert.equal(await page.locator("table.resources tbody tr").count(), 4);
  await page.fill("#resource-search", "oth");
  assert.equal(await page.locator("table.resources tbody tr").count(), 1);
  await page.fill("#resource-search", "");
  await page.click('button[data-sort="name"]');
  await page.click('button[data-sort="name"]');
  const names = await page.locator("table.resources tbody tr td:nth-child(2)").allInnerTexts();
  assert.deepEqual(names, ["second", "other", "group", "first"]);
  await page.click('table.resources button:has-text("second")');
  const inputs = await page.locator('#resource-panel pre[data-section="inputs"]').innerText();
  assert.match(inputs, /"password": "\[secret\]"/);
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: join(ARTIFACTS, "resources-dark.png") });
  await page.emulateMedia({ colorScheme: "light" });
  await page.keyboard.press("Escape");
  assert.equal(await page.locator("#resource-panel").count(), 0);
});

test("the graph has a node per resource and an edge per dependency of the state; search finds; screenshots", { skip: SKIP }, async () => {
  await page.click('nav.tabs a:has-text("Graph")');
  await page.locator('svg.graph[data-ready="true"]').waitFor();
  // Counted against the state file itself (not the API the page drew from).
  const snapshot = JSON.parse(await readFile(join(project.dir, ".iac", "stacks", "dev", "snapshot.json"), "utf8").catch(async () => (await project.run(["state", "export"])).stdout)) as { resources: { urn: string; parent?: string; dependencies: string[] }[] };
  const urns = new Set(snapshot.resources.map((r) => r.urn));
  const deps = new Set(snapshot.resources.flatMap((r) => r.dependencies.filter((d) => urns.has(d) && d !== r.parent).map((d) => `${r.urn} ${d}`)));
  assert.equal(await page.locator("svg.graph g.node").count(), urns.size);
  assert.equal(await page.locator("svg.graph g.node.group").count(), 1);
  assert.equal(await page.locator("svg.graph path.edge").count(), deps.size);
  // The component holds its children.
  const group = await page.locator('g.node.group > rect').boundingBox();
  const first = await page.locator('g.node[data-urn$="::first"] > rect').boundingBox();
  assert.ok(group && first && first.x >= group.x && first.y >= group.y && first.x + first.width <= group.x + group.width + 1, "first sits inside its group");
  await page.screenshot({ path: join(ARTIFACTS, "graph-light.png") });
  await page.fill("#graph-search", "seco");
  assert.equal(await page.locator("svg.graph g.node.match").count(), 1);
  assert.match(await page.locator("#graph-search-status").innerText(), /1 match/);
  // Keyboard: Enter on the matched node opens its details.
  await page.keyboard.press("Enter");
  await page.keyboard.press("Enter");
  await page.locator("#resource-panel h2:has-text('second')").waitFor();
  await page.keyboard.press("Escape");
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: join(ARTIFACTS, "graph-dark.png") });
  await page.emulateMedia({ colorScheme: "light" });
  // Zoom changes the view's scale.
  const before = await page.locator("svg.graph g.viewport").getAttribute("transform");
  await page.click('button[aria-label="Zoom in"]');
  assert.notEqual(await page.locator("svg.graph g.viewport").getAttribute("transform"), before);
});

test("a running up is watched live, without reloading, and the page links to the recorded update", { skip: SKIP }, async () => {
  await page.click('nav.tabs a:has-text("Updates")');
  await page.locator("tr[data-update]").first().waitFor();
  await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
  await project.write({ "index.ts": program("four", { extra: 3, delayMs: 500 }) });
  const up = project.run(["up", "--yes"]);
  await page.locator("#live .live-head:has-text('Running')").waitFor({ timeout: 60_000 });
  await page.locator("#live .live-log li[data-change='created']").first().waitFor({ timeout: 60_000 });
  await page.screenshot({ path: join(ARTIFACTS, "live.png") });
  const result = await up;
  assert.equal(result.code, 0, show(result));
  await page.locator("#live .live-head:has-text('Finished')").waitFor({ timeout: 30_000 });
  await page.locator("tr[data-update]").nth(2).waitFor({ timeout: 30_000 });
  assert.equal(await page.locator("tr[data-update]").count(), 3, "the history list was refreshed");
  assert.equal(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker), 42, "the page was not reloaded");
});

/**
 * The lowest WCAG contrast ratio of the text of some selectors against the background it sits on,
 * computed in the page (JavaScript source: the test project's types have no DOM).
 */
const LOWEST_CONTRAST = `(sels) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return rgb(getComputedStyle(document.documentElement).backgroundColor).slice(0, 3);
  };
  let worst = { ratio: Infinity, selector: "" };
  for (const sel of sels) {
    for (const el of document.querySelectorAll(sel)) {
      const a = lum(rgb(getComputedStyle(el).color).slice(0, 3));
      const b = lum(background(el));
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      if (ratio < worst.ratio) worst = { ratio, selector: sel };
    }
  }
  return worst;
}`;

async function lowestContrast(selectors: readonly string[]): Promise<{ ratio: number; selector: string }> {
  return page.evaluate(`(${LOWEST_CONTRAST})(${JSON.stringify(selectors)})`);
}

test("text has a contrast of at least 4.5:1 in light and in dark", { skip: SKIP }, async () => {
  await page.goto(`${consoleRun.url}#/stacks/dev/updates`);
  await page.locator("tr[data-update]").first().locator("a").click();
  await page.locator("li.change").first().waitFor();
  const selectors = ["h1", "h2", "td", "th", "dt", "dd", ".muted", ".badge", "a", ".diff", ".change-head", ".tab", "button"];
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const worst = await lowestContrast(selectors);
    assert.ok(Number.isFinite(worst.ratio), "text was measured");
    assert.ok(worst.ratio >= 4.5, `${scheme}: ${worst.selector} has a contrast of ${worst.ratio.toFixed(2)}:1`);
  }
  await page.emulateMedia({ colorScheme: "light" });
});

test("the page asked nothing of any other host, and no response it got held the secret", { skip: SKIP }, async () => {
  const origin = new URL(consoleRun.url).origin;
  const foreign = requests.filter((u) => !u.startsWith(origin));
  assert.deepEqual(foreign, []);
  const html = await page.content();
  assert.ok(!html.includes(SECRET));
});

test("without the token the browser gets the console's refusal, not the page", { skip: SKIP }, async () => {
  const other = await browser.newPage();
  try {
    const res = await other.goto(consoleRun.url);
    assert.equal(res?.status(), 401);
    assert.match(await other.content(), /token/);
  } finally {
    await other.close();
  }
});

test("the screenshots are saved outside the checkout (or under IAC_TEST_ARTIFACTS), all of them", { skip: SKIP }, async () => {
  const given = process.env[ARTIFACTS_ENV];
  const inside = (dir: string, parent: string) => {
    const rel = relative(parent, dir);
    return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
  };
  if (given !== undefined && given !== "") assert.ok(inside(ARTIFACTS, resolve(given)), `${ARTIFACTS} is not under ${ARTIFACTS_ENV}=${given}`);
  else assert.ok(!inside(ARTIFACTS, ROOT), `the screenshots went into the checkout: ${ARTIFACTS}`);
  const saved = await readdir(ARTIFACTS);
  for (const name of SCREENSHOTS) assert.ok(saved.includes(name), `${name} is missing from ${ARTIFACTS} (${saved.join(", ")})`);
});
