/** The local cloud's git host. */
export { createGitService, GIT_REALM } from "./git-service.js";
export type { GitAccess, GitService } from "./git-service.js";
export type { GitFile } from "./reader.js";
export type { RepoPath } from "./repos.js";
export { normalizeRepoPath, tryNormalizeRepoPath } from "./repos.js";
export { GitHostError } from "./errors.js";
export type { GitHostErrorCode } from "./errors.js";
