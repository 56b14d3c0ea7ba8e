/**
 * `kill -9` of an `up` that deletes resources before the update of what they depended on
 * (decisions/0013): each `b<i>` can only be deleted while `a<i>` is still "capable", and the up
 * removes every `b<i>` and makes every `a<i>` plain. After the kill, `iac cancel` and `iac up`
 * converge: no `b` is left, every `a` is plain and exists once. An order broken by the crash (an `a`
 * made plain while its `b` remains) would fail the second up's delete.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { TestProject, killMidRunThenUp, show } from "./cli-fixture.js";

const PAIRS = 6;
const program = (removed: boolean) => `
import { Thing } from "./thing.js";
for (let i = 0; i < ${PAIRS}; i++) {
  const a = new Thing("a" + i, { value: ${removed ? '"plain"' : '"capable"'}, delayMs: 200 });
  ${removed ? "" : 'new Thing("b" + i, { needsCapable: a.urn, deleteDelayMs: 200 }, { dependsOn: [a] });'}
}
`;

let project: TestProject;

before(async () => {
  project = await TestProject.create({ files: { "index.ts": program(false) } });
});
after(async () => {
  await project.remove();
});

for (let round = 1; round <= 2; round++) {
  test(`after a kill -9 at a random moment of an up with early deletes (round ${round}), the next up converges`, async () => {
    await project.write({ "index.ts": program(false) });
    const first = await project.run(["up", "--yes"]);
    assert.equal(first.code, 0, show(first));
    assert.equal((await project.cloud()).length, 2 * PAIRS);

    await project.write({ "index.ts": program(true) });
    // Deletes then updates, 12 calls at 3 at a time and 200 ms each: at least 800 ms of cloud
    // calls once the planning pass is done; a kill within 500 ms of the lock lands before or in them.
    const { note } = await killMidRunThenUp(project, ["up", "--yes", "--parallel", "3"], 500);

    const cloud = await project.cloud();
    assert.deepEqual(cloud.filter((c) => c.urn.includes("::b")).map((c) => c.urn), [], note);
    const as = cloud.filter((c) => c.urn.includes("::a"));
    assert.equal(as.length, PAIRS, note);
    assert.equal(new Set(as.map((c) => c.urn)).size, PAIRS, `an a exists twice (${note})`);
    assert.ok(as.every((c) => c.inputs.value === "plain"), note);
    const ls = await project.run(["state", "ls", "--json"]);
    const urns = (JSON.parse(ls.stdout) as { urn: string }[]).map((x) => x.urn).filter((u) => u.includes("test:index:Thing"));
    assert.deepEqual(urns.filter((u) => u.includes("::b")), [], note);
    assert.equal(urns.length, PAIRS, note);

    // The next round starts from the first program again.
    const d = await project.run(["destroy", "--yes"]);
    assert.equal(d.code, 0, show(d));
  });
}
