/**
 * Request bodies in Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`), which
 * kubectl's typed clients send (`kubectl create namespace|configmap|secret|deployment`,
 * `kubectl auth can-i`). The envelope is the magic `k8s\0` and a `runtime.Unknown` whose `raw`
 * holds the object in the field numbers of k8s.io/api's generated.proto. The local cloud decodes
 * the kinds those commands send, field by field, into the JSON the rest of the server handles;
 * a field it does not know is refused with a message naming it, never dropped.
 */
import { badRequest } from "./errors.js";

type Scalar = "string" | "bytes" | "int" | "bool" | "time" | "quantity";
interface Field {
  readonly name: string;
  readonly type: Scalar | Message | MapOf;
  readonly repeated?: boolean;
}
interface Message {
  readonly [num: number]: Field;
}
interface MapOf {
  readonly map: Scalar;
}

const isMap = (t: Field["type"]): t is MapOf => typeof t === "object" && "map" in t;

// Field numbers from k8s.io/api and k8s.io/apimachinery generated.proto (v1.32).
const TIME: Scalar = "time";
const OWNER_REF: Message = { 1: { name: "kind", type: "string" }, 3: { name: "name", type: "string" }, 4: { name: "uid", type: "string" }, 5: { name: "apiVersion", type: "string" }, 6: { name: "controller", type: "bool" }, 7: { name: "blockOwnerDeletion", type: "bool" } };
const OBJECT_META: Message = {
  1: { name: "name", type: "string" }, 2: { name: "generateName", type: "string" }, 3: { name: "namespace", type: "string" },
  5: { name: "uid", type: "string" }, 6: { name: "resourceVersion", type: "string" }, 7: { name: "generation", type: "int" },
  8: { name: "creationTimestamp", type: TIME }, 9: { name: "deletionTimestamp", type: TIME }, 10: { name: "deletionGracePeriodSeconds", type: "int" },
  11: { name: "labels", type: { map: "string" } }, 12: { name: "annotations", type: { map: "string" } },
  13: { name: "ownerReferences", type: OWNER_REF, repeated: true }, 14: { name: "finalizers", type: "string", repeated: true },
};
const LABEL_SELECTOR: Message = {
  1: { name: "matchLabels", type: { map: "string" } },
  2: { name: "matchExpressions", type: { 1: { name: "key", type: "string" }, 2: { name: "operator", type: "string" }, 3: { name: "values", type: "string", repeated: true } }, repeated: true },
};
const CONTAINER: Message = {
  1: { name: "name", type: "string" }, 2: { name: "image", type: "string" }, 3: { name: "command", type: "string", repeated: true }, 4: { name: "args", type: "string", repeated: true },
  5: { name: "workingDir", type: "string" },
  6: { name: "ports", type: { 1: { name: "name", type: "string" }, 2: { name: "hostPort", type: "int" }, 3: { name: "containerPort", type: "int" }, 4: { name: "protocol", type: "string" }, 5: { name: "hostIP", type: "string" } }, repeated: true },
  7: { name: "env", type: { 1: { name: "name", type: "string" }, 2: { name: "value", type: "string" } }, repeated: true },
  8: { name: "resources", type: { 1: { name: "limits", type: { map: "quantity" } }, 2: { name: "requests", type: { map: "quantity" } } } },
  13: { name: "terminationMessagePath", type: "string" }, 14: { name: "imagePullPolicy", type: "string" }, 20: { name: "terminationMessagePolicy", type: "string" },
};
const POD_SPEC: Message = {
  2: { name: "containers", type: CONTAINER, repeated: true }, 3: { name: "restartPolicy", type: "string" }, 4: { name: "terminationGracePeriodSeconds", type: "int" },
  6: { name: "dnsPolicy", type: "string" }, 7: { name: "nodeSelector", type: { map: "string" } }, 8: { name: "serviceAccountName", type: "string" },
  19: { name: "schedulerName", type: "string" }, 20: { name: "initContainers", type: CONTAINER, repeated: true },
};
const POD_TEMPLATE: Message = { 1: { name: "metadata", type: OBJECT_META }, 2: { name: "spec", type: POD_SPEC } };
const DEPLOYMENT: Message = {
  1: { name: "metadata", type: OBJECT_META },
  2: {
    name: "spec",
    type: {
      1: { name: "replicas", type: "int" }, 2: { name: "selector", type: LABEL_SELECTOR }, 3: { name: "template", type: POD_TEMPLATE },
      4: { name: "strategy", type: { 1: { name: "type", type: "string" } } }, 5: { name: "minReadySeconds", type: "int" }, 6: { name: "revisionHistoryLimit", type: "int" },
      7: { name: "paused", type: "bool" }, 9: { name: "progressDeadlineSeconds", type: "int" },
    },
  },
  3: { name: "status", type: {} },
};
const RESOURCE_ATTRIBUTES: Message = {
  1: { name: "namespace", type: "string" }, 2: { name: "verb", type: "string" }, 3: { name: "group", type: "string" }, 4: { name: "version", type: "string" },
  5: { name: "resource", type: "string" }, 6: { name: "subresource", type: "string" }, 7: { name: "name", type: "string" },
};

/** The kinds decoded, by `apiVersion/kind`. */
const KINDS: Readonly<Record<string, Message>> = {
  "v1/Namespace": { 1: { name: "metadata", type: OBJECT_META }, 2: { name: "spec", type: { 1: { name: "finalizers", type: "string", repeated: true } } }, 3: { name: "status", type: {} } },
  "v1/ConfigMap": { 1: { name: "metadata", type: OBJECT_META }, 2: { name: "data", type: { map: "string" } }, 3: { name: "binaryData", type: { map: "bytes" } }, 4: { name: "immutable", type: "bool" } },
  "v1/Secret": { 1: { name: "metadata", type: OBJECT_META }, 2: { name: "data", type: { map: "bytes" } }, 3: { name: "type", type: "string" }, 4: { name: "stringData", type: { map: "string" } }, 5: { name: "immutable", type: "bool" } },
  "v1/ServiceAccount": { 1: { name: "metadata", type: OBJECT_META } },
  "apps/v1/Deployment": DEPLOYMENT,
  "authorization.k8s.io/v1/SelfSubjectAccessReview": {
    1: { name: "metadata", type: OBJECT_META },
    2: { name: "spec", type: { 1: { name: "resourceAttributes", type: RESOURCE_ATTRIBUTES }, 2: { name: "nonResourceAttributes", type: { 1: { name: "path", type: "string" }, 2: { name: "verb", type: "string" } } } } },
    3: { name: "status", type: {} },
  },
};

/** Non-pointer numbers Go always writes; 0 there means unset (JSON omits them). */
const ZERO_IS_UNSET = new Set(["generation", "minReadySeconds", "hostPort"]);

/** The media type of Kubernetes' protobuf encoding. */
export const PROTOBUF = "application/vnd.kubernetes.protobuf";

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class Reader {
  at = 0;
  constructor(readonly buf: Buffer) {}
  done(): boolean {
    return this.at >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.at >= this.buf.length) throw badRequest("protobuf body ends inside a number");
      const b = this.buf[this.at++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  bytes(): Buffer {
    const n = Number(this.varint());
    if (this.at + n > this.buf.length) throw badRequest("protobuf body ends inside a field");
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.at += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.at += 4;
    else throw badRequest(`protobuf wire type ${wire} is not supported`);
  }
}

/** Every field of a message as (number, wire type, reader position). */
function* fields(buf: Buffer): Generator<{ num: number; wire: number; r: Reader }> {
  const r = new Reader(buf);
  while (!r.done()) {
    const key = Number(r.varint());
    yield { num: key >> 3, wire: key & 7, r };
  }
}

function scalar(type: Scalar, wire: number, r: Reader): unknown {
  switch (type) {
    case "string":
      return r.bytes().toString("utf8");
    case "bytes":
      return r.bytes().toString("base64");
    case "int": {
      const v = BigInt.asIntN(64, r.varint());
      return Number(v);
    }
    case "bool":
      return r.varint() !== 0n;
    case "quantity": {
      let s = "";
      for (const f of fields(r.bytes())) {
        if (f.num === 1 && f.wire === 2) s = f.r.bytes().toString("utf8");
        else f.r.skip(f.wire);
      }
      return s;
    }
    case "time": {
      let seconds = 0n;
      for (const f of fields(r.bytes())) {
        if (f.num === 1 && f.wire === 0) seconds = f.r.varint();
        else f.r.skip(f.wire);
      }
      return seconds === 0n ? null : new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
    }
    default: {
      const never: never = type;
      throw badRequest(`unknown scalar ${String(never)} (wire ${wire})`);
    }
  }
}

function decodeMessage(buf: Buffer, schema: Message, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { num, wire, r } of fields(buf)) {
    const f = schema[num];
    if (f === undefined) {
      // Go's generated marshallers write every non-pointer field, empty or not: an empty one is no value.
      const start = r.at;
      const empty = wire === 0 ? r.varint() === 0n : wire === 2 ? r.bytes().length === 0 : false;
      if (empty) continue;
      r.at = start;
      throw badRequest(`the local cloud does not decode protobuf field ${num} of ${path || "the object"}; send the object as JSON or YAML (kubectl create ... --dry-run=client -o yaml | kubectl apply -f -)`);
    }
    const where = path === "" ? f.name : `${path}.${f.name}`;
    let value: unknown;
    if (isMap(f.type)) {
      let k = "";
      let v: unknown = f.type.map === "quantity" ? "" : "";
      for (const e of fields(r.bytes())) {
        if (e.num === 1) k = e.r.bytes().toString("utf8");
        else if (e.num === 2) v = scalar(f.type.map, e.wire, e.r);
        else e.r.skip(e.wire);
      }
      const map = (out[f.name] ??= {}) as Record<string, unknown>;
      map[k] = v;
      continue;
    }
    if (typeof f.type === "string") value = scalar(f.type, wire, r);
    else value = decodeMessage(r.bytes(), f.type, where);
    if (f.repeated) ((out[f.name] ??= []) as unknown[]).push(value);
    else if (value !== null && value !== "" && !(value === 0 && ZERO_IS_UNSET.has(f.name))) out[f.name] = value;
  }
  return out;
}

/** Decode a `application/vnd.kubernetes.protobuf` body into the object's JSON form. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw badRequest("a protobuf body must start with the k8s\\0 prefix");
  let apiVersion = "";
  let kind = "";
  let raw: Buffer | undefined;
  for (const { num, wire, r } of fields(body.subarray(4))) {
    if (num === 1 && wire === 2) {
      for (const t of fields(r.bytes())) {
        if (t.num === 1) apiVersion = t.r.bytes().toString("utf8");
        else if (t.num === 2) kind = t.r.bytes().toString("utf8");
        else t.r.skip(t.wire);
      }
    } else if (num === 2 && wire === 2) raw = Buffer.from(r.bytes());
    else r.skip(wire);
  }
  const schema = KINDS[`${apiVersion}/${kind}`];
  if (schema === undefined) {
    throw badRequest(`the local cloud does not decode ${kind || "this kind"} (${apiVersion}) sent as protobuf; send it as JSON or YAML (kubectl create ... --dry-run=client -o yaml | kubectl apply -f -)`);
  }
  const obj = decodeMessage(raw ?? Buffer.alloc(0), schema, "");
  return { apiVersion, kind, ...obj, metadata: obj["metadata"] ?? {} };
}
