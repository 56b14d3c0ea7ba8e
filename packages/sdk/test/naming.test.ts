import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { autoname } from "@iac/sdk";

describe("autoname", () => {
  it("appends a hyphen and 8 random lowercase letters and digits by default", () => {
    assert.match(autoname("realtime", { charset: "alnum-hyphen" }), /^realtime-[a-z0-9]{8}$/);
  });

  it("makes storage-account style names: lowercase alphanumerics, no separator, within the max", () => {
    const n = autoname("Certs_Store-01", { charset: "lowercase-alnum", maxLength: 24 });
    assert.match(n, /^certsstore01[a-z0-9]{8}$/);
  });

  it("shortens the logical name, never the random part, to fit maxLength", () => {
    const n = autoname("a-very-long-logical-name-indeed", { charset: "alnum-hyphen", maxLength: 16 });
    // 7 characters of room: "a-very-", whose trailing hyphen is dropped so no "--" appears.
    assert.match(n, /^a-very-[a-z0-9]{8}$/);
    const s = autoname("certificatesforthewebsite", { charset: "lowercase-alnum", maxLength: 24 });
    assert.equal(s.length, 24);
    assert.ok(s.startsWith("certificatesfort"));
  });

  it("replaces characters the charset does not allow", () => {
    assert.match(autoname("my app.v2", { charset: "alnum-hyphen", randomLength: 4 }), /^my-app-v2-[a-z0-9]{4}$/);
  });

  it("is deterministic given a seed, and differs by seed and by name", () => {
    const a = autoname("x", { charset: "alnum-hyphen", seed: "s1", randomLength: 12 });
    assert.equal(a, autoname("x", { charset: "alnum-hyphen", seed: "s1", randomLength: 12 }));
    assert.notEqual(a, autoname("x", { charset: "alnum-hyphen", seed: "s2", randomLength: 12 }));
    assert.notEqual(a.slice(2), autoname("y", { charset: "alnum-hyphen", seed: "s1", randomLength: 12 }).slice(2));
  });

  it("refuses a maxLength that leaves no room for the random part", () => {
    assert.throws(() => autoname("x", { charset: "alnum-hyphen", maxLength: 5 }), { code: "InvalidInput" });
  });
});
