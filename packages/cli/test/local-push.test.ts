// `iac local push <name>:<tag>`: a tag pushed to the local cloud's registry, as CI would push a build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureLocalCloud, listRegistryTags } from "@iac/emulator";
import { localPush, parseImageArg } from "../src/commands/local-push.js";

function sink() {
  const chunks: string[] = [];
  return { write: (s: string) => chunks.push(s), text: () => chunks.join("") };
}

test("an image argument is <name>:<tag>, optionally with the local registry's host", () => {
  assert.deepEqual(parseImageArg("team/app:1.0.1", "127.0.0.1:4504"), { repository: "team/app", tag: "1.0.1" });
  assert.deepEqual(parseImageArg("127.0.0.1:4504/team/app:sha-abc1234-1700000000", "127.0.0.1:4504"), { repository: "team/app", tag: "sha-abc1234-1700000000" });
  assert.match((parseImageArg("team/app", "127.0.0.1:4504") as { error: string }).error, /names no tag/);
  assert.match((parseImageArg("127.0.0.1:5000/app:1", "127.0.0.1:4504") as { error: string }).error, /the local cloud's is 127\.0\.0\.1:4504/);
});

test("iac local push puts the tag in the project's local registry (a local cloud started for the push)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "iac-local-push-"));
  try {
    const out = sink();
    const err = sink();
    assert.equal(await localPush({ cwd: dir, image: "team/app:1.0.1", out, err, env: {} }), 0, err.text());
    assert.match(out.text(), /^127\.0\.0\.1:\d+\/team\/app:1\.0\.1 sha256:[0-9a-f]{64}\n$/);
    const bad = sink();
    assert.equal(await localPush({ cwd: dir, image: "team/app", out: sink(), err: bad, env: {} }), 2);
    assert.match(bad.text(), /names no tag/);
    const cloud = await ensureLocalCloud(dir);
    try {
      assert.deepEqual(await listRegistryTags(cloud.endpoints.registry!, "team/app"), ["1.0.1"]);
    } finally {
      await cloud.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
