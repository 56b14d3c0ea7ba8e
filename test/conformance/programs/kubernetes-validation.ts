/**
 * The conformance program of `kubernetes-validation`: only the namespace the scenario's kubectl
 * requests write into (the scenario drives the apiserver's validation with kubectl itself).
 */
import { Namespace } from "@iac/kubernetes";

new Namespace("kv", { metadata: { name: "kv" } });
