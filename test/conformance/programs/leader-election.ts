/**
 * The conformance program of `leader-election`: only the namespace the scenario's Leases, Stack
 * and controllers live in (the scenario drives the Lease API and two `iac controller` replicas).
 */
import { Namespace } from "@iac/kubernetes";

new Namespace("leaders", { metadata: { name: "leaders" } });
