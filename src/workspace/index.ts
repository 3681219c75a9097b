export { loadProtectedPaths, PROTECTED_NAME_ANYWHERE, PROTECTED_ROOT_DIRS, type LoadProtectedPathsOptions, type ProtectedPaths } from "./protected-paths.js";
export { safeGitArgs, safeGitEnv } from "./safe-git.js";
