/**
 * How API failures become iac errors where the apiserver's own answer hides the cause: a server-side
 * apply whose value does not fit the schema (a string where a CRD says integer) is answered with
 * HTTP 500 and no reason by a real apiserver (seen in the conformance suite, kubernetes-basics
 * phase 4). iac names the field and what to do, and does not retry it as a server fault.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiException } from "@kubernetes/client-node";
import { retryDecision } from "../src/client.js";
import { toProviderError } from "../src/errors.js";

const TYPED_PATCH_500 = JSON.stringify({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message: "failed to create typed patch object (/w1; example.com/v1, Kind=Widget): .spec.size: expected numeric (int or float), got string",
  code: 500,
});

describe("a server-side apply of a value of the wrong type", () => {
  it("is an Invalid error that names the field, says what is wrong and what to do", () => {
    const err = toProviderError(new ApiException(500, "Unsuccessful HTTP Request", TYPED_PATCH_500, {}), "Creating Widget kb/w1");
    assert.equal(err.code, "Invalid");
    assert.match(err.message, /^Creating Widget kb\/w1 failed: Invalid: spec\.size: expected numeric \(int or float\), got string \(the value does not fit the object's schema\) \(HTTP 500\)\. Give the field a value of the type/);
    assert.match(err.message, /CRD's openAPIV3Schema/);
  });

  it("is not retried (the same body fails again), while other 500s still are", () => {
    assert.equal(retryDecision(new ApiException(500, "Unsuccessful HTTP Request", TYPED_PATCH_500, {}), 0), undefined);
    const other = JSON.stringify({ kind: "Status", status: "Failure", message: "etcdserver: request timed out", code: 500 });
    assert.ok(retryDecision(new ApiException(500, "Unsuccessful HTTP Request", other, {}), 0));
  });

  it("keeps the reason of other 500s", () => {
    const other = JSON.stringify({ kind: "Status", status: "Failure", message: "etcdserver: request timed out", reason: "InternalError", code: 500 });
    const err = toProviderError(new ApiException(500, "Unsuccessful HTTP Request", other, {}), "Creating ConfigMap a/b");
    assert.equal(err.code, "Http500");
    assert.match(err.message, /InternalError: etcdserver: request timed out \(HTTP 500\)$/);
  });
});
