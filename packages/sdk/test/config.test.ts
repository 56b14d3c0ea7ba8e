import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Config, ConfigError, getProject, getStack, inspectOutput } from "@iac/sdk";
import { wrapSecret } from "@iac/sdk/runtime";
import type { PropertyValue } from "@iac/sdk/provider";
import { install, uninstall } from "./fake-monitor.js";

afterEach(uninstall);

const config = {
  "azure:location": "westeurope",
  "proj:replicas": "3",
  "proj:count": 4,
  "proj:enabled": "true",
  "proj:off": false,
  "proj:settings": '{"a":[1,2]}',
  "proj:tags": { env: "dev" },
  // SecretValue is an interface, so it needs a cast to the index-signature type PropertyValue.
  "proj:token": wrapSecret("t0ken") as unknown as PropertyValue,
  "proj:bad": "many",
};

describe("Config", () => {
  it("returns a secret read with require or get as plain text, and warns pointing at requireSecret / getSecret", () => {
    const m = install({ config });
    assert.equal(new Config().require("token"), "t0ken");
    assert.equal(new Config().get("token"), "t0ken");
    assert.equal(m.warnings.length, 2);
    assert.match(m.warnings[0]!, /"proj:token" is a secret, but config\.require\("token"\) returns it as plain text.*config\.requireSecret\("token"\)/);
    assert.match(m.warnings[1]!, /config\.get\("token"\).*config\.getSecret\("token"\)/);
  });

  it("does not warn for requireSecret / getSecret, nor for values that are not secret", async () => {
    const m = install({ config });
    const t = new Config().requireSecret("token");
    assert.equal((await inspectOutput(t)).secret, true);
    new Config().getSecret("token");
    new Config().require("replicas");
    assert.deepEqual(m.warnings, []);
  });

  it("reads keys of its namespace, defaulting to the project's name", () => {
    install({ config });
    assert.equal(new Config("azure").require("location"), "westeurope");
    assert.equal(new Config().name, "proj");
    assert.equal(new Config().get("replicas"), "3");
    assert.equal(new Config().get("missing"), undefined);
    assert.equal(new Config().get("azure:location"), "westeurope", "a full key is taken as is");
  });

  it("require of a missing key names the exact iac config set command", () => {
    install({ config });
    assert.throws(
      () => new Config("azure").require("subscriptionId"),
      (e: unknown) => e instanceof ConfigError && e.code === "MissingConfig" && e.message.includes("iac config set azure:subscriptionId <value>"),
    );
    assert.throws(() => new Config().requireSecret("password"), /iac config set proj:password <value> --secret/);
    assert.throws(() => new Config().requireNumber("nope"), /iac config set proj:nope <number>/);
  });

  it("parses numbers, booleans and objects, and refuses malformed ones", () => {
    install({ config });
    const c = new Config();
    assert.equal(c.getNumber("replicas"), 3);
    assert.equal(c.requireNumber("count"), 4);
    assert.equal(c.getBoolean("enabled"), true);
    assert.equal(c.getBoolean("off"), false);
    assert.deepEqual(c.getObject("settings"), { a: [1, 2] });
    assert.deepEqual(c.requireObject("tags"), { env: "dev" });
    assert.throws(() => c.getNumber("bad"), { code: "InvalidConfig" });
    assert.throws(() => c.getBoolean("bad"), /not a boolean/);
    assert.throws(() => c.getObject("bad"), /not valid JSON/);
  });

  it("returns secrets as secret Outputs", async () => {
    install({ config });
    const d = await inspectOutput(new Config().requireSecret("token"));
    assert.deepEqual(d, { value: "t0ken", known: true, secret: true, dependencies: [] });
    assert.equal((await inspectOutput(new Config().getSecret("replicas")!)).secret, true, "any value read with getSecret is secret");
    assert.equal(new Config().getSecret("missing"), undefined);
  });

  it("tells the stack and the project", () => {
    install();
    assert.equal(getStack(), "dev");
    assert.equal(getProject(), "proj");
  });

  it("outside a deployment, says to run the program with the iac CLI", () => {
    assert.throws(() => new Config(), /iac CLI/);
  });
});
