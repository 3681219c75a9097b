export { loadProtectedPaths, PROTECTED_NAME_ANYWHERE, PROTECTED_ROOT_DIRS, type LoadProtectedPathsOptions, type ProtectedPaths } from "./protected-paths.js";
export { GIT_DIR_SHAPE_REASON, gitDirShaped, gitDirShapedAncestor, type PendingFiles } from "./git-dir-shape.js";
export { safeGitArgs, safeGitEnv } from "./safe-git.js";
