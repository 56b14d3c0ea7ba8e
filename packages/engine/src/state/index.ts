/**
 * Public surface of the state layer (the contract types are in `./types.js`). `src/index.ts`
 * re-exports this next to `../secrets.js`, `../config.js` and `../stacks.js`.
 */
export { StateError, StateCorruptError, StackLockedError, SecretsDecryptError, type StateErrorCode } from "./errors.js";
export { createFileBackend, type FileBackendOptions } from "./file-backend.js";
export { FileSystemError, fsErrorOf } from "./fs-errors.js";
export { encryptSecrets, decryptSecrets, containsPlaintextSecret } from "./secret-codec.js";
export { assertValidStackName } from "./stack-name.js";
export { StateModel, orderByDependencies, emptySnapshot, type JournalRecord, type JournalHeader, type EndResult } from "./model.js";
export { openBackend, type OpenBackendOptions } from "./backend-url.js";
export { HISTORY_CHANGES_LIMIT, HISTORY_DIAGNOSTICS_LIMIT } from "./types.js";
