/** The local cloud's container registry (OCI distribution API on loopback) and a client that pushes to it. */
export { createRegistryService, registryHandler, OCI_MANIFEST } from "./registry-service.js";
export type { RegistryService } from "./registry-service.js";
export { RegistryStore } from "./store.js";
export { pushImage, listTags, RegistryPushError } from "./push.js";
export type { PushedImage } from "./push.js";
