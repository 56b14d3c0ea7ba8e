/**
 * `provider(type)` of the azure provider set serves every writable type of the definitions, and
 * its `check` holds up on each (autonaming by the type's rules, the metadata walked without a
 * failure of its own): what a program of any module meets first, preview.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { azureSpec } from "@iac/azure-spec";
import { UNKNOWN } from "@iac/sdk/provider";
import { createProviderSet, resolveSettings, TYPES } from "../src/index.js";

test("every writable type has a provider whose check runs, and its own name is autonamed, fixed or asked for", async () => {
  const set = createProviderSet(resolveSettings({ config: { subscriptionId: "00000000-0000-0000-0000-000000000000", location: "westeurope" }, env: {} }));
  const log = { debug() {}, info() {}, warn() {} };
  let served = 0;
  const unnamed: string[] = [];
  for (const module of azureSpec.modules()) {
    for (const r of Object.values(azureSpec.loadModule(module).resources)) {
      if (r.writableScopes === 0) {
        assert.equal(set.provider(r.token), undefined, `${r.token} is read-only: no provider`);
        continue;
      }
      const p = set.provider(r.token);
      assert.ok(p, `no provider for ${r.token}`);
      // The hand-written four keep their own args (accountName, ...): their tests are elsewhere.
      if (Object.values(TYPES).includes(r.token as never)) {
        served++;
        continue;
      }
      const ctx = { urn: `urn:iac:t::p::${r.token}::x`, type: r.token, name: "thing", preview: true, signal: new AbortController().signal, log, timeouts: {} };
      // Parents and scope unknown, as in a preview where they are created in the same run.
      const args = Object.fromEntries(r.nameArgs.filter((a) => a !== r.nameArg).map((a) => [a, UNKNOWN]));
      const checked = await p.check(args, undefined, ctx);
      // Either a name (generated, or fixed by the definitions), or a failure asking for it.
      if (typeof checked.inputs[r.nameArg] !== "string" && !checked.failures.some((f) => f.property === r.nameArg && /is required/.test(f.reason))) unnamed.push(r.token);
      served++;
    }
  }
  const expected = Object.values(azureSpec.index().modules).reduce((n, m) => n + m.resources, 0);
  assert.equal(served, expected);
  assert.deepEqual(unnamed, [], "types whose own name is neither generated nor asked for");
});
