#!/usr/bin/env bash
# Builds the Spark VS Code extension and packages it as extensions/vscode/spark-vscode-<version>.vsix.
#
# The build runs in a staging copy outside the repository, so no compiled JavaScript lands in the
# source tree. It needs the repository's own dev tools (`npm ci` at the root: typescript, @vscode/vsce)
# and npm's registry, or npm's cache, for the extension's dependencies (package-lock.json here). It
# never downloads or starts VS Code.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
for tool in tsc vsce; do
  if [ ! -x "$root/node_modules/.bin/$tool" ]; then
    echo "package-vsix: $root/node_modules/.bin/$tool is missing; run 'npm ci' in $root first." >&2
    exit 1
  fi
done
stage="$(mktemp -d "${TMPDIR:-/tmp}/spark-vscode-XXXXXX")"
trap 'rm -rf "$stage"' EXIT

cp -R "$here/src" "$stage/src"
cp "$here/package.json" "$here/package-lock.json" "$here/tsconfig.json" "$here/README.md" "$here/.vscodeignore" "$stage/"
cd "$stage"
# Types and the language client for the build, then only what the extension needs at run time.
npm ci --prefer-offline --no-audit --no-fund --ignore-scripts --loglevel=error
"$root/node_modules/.bin/tsc" -p tsconfig.json
npm prune --omit=dev --prefer-offline --no-audit --no-fund --loglevel=error
version="$(node -p 'require("./package.json").version')"
out="$here/spark-vscode-$version.vsix"
"$root/node_modules/.bin/vsce" package --skip-license --allow-missing-repository --out "$out"
echo "package-vsix: wrote $out"
