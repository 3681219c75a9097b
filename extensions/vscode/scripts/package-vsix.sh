#!/usr/bin/env bash
# Builds the Spark VS Code extension and packages it as extensions/vscode/spark-vscode-<version>.vsix.
#
# The build runs in a staging copy outside the repository, so no compiled JavaScript lands in the
# source tree. It needs the repository's TypeScript (`npm ci` at the root) and npm's registry, or npm's
# cache, for the extension's dependencies (package-lock.json here) and for the packaging tool,
# @vscode/vsce, pinned by tools/package-lock.json and installed into a temporary folder of its own (it
# and its 200 dependencies are 120 MB that no other command needs, so the root install leaves them out;
# its packages' install scripts do not run: packaging needs neither keytar nor vsce-sign's binaries).
# It never downloads or starts VS Code.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
if [ ! -x "$root/node_modules/.bin/tsc" ]; then
  echo "package-vsix: $root/node_modules/.bin/tsc is missing; run 'npm ci' in $root first." >&2
  exit 1
fi
stage="$(mktemp -d "${TMPDIR:-/tmp}/spark-vscode-XXXXXX")"
tools="$(mktemp -d "${TMPDIR:-/tmp}/spark-vscode-tools-XXXXXX")"
trap 'rm -rf "$stage" "$tools"' EXIT

cp "$here/tools/package.json" "$here/tools/package-lock.json" "$tools/"
npm ci --prefix "$tools" --prefer-offline --no-audit --no-fund --ignore-scripts --loglevel=error

cp -R "$here/src" "$stage/src"
cp "$here/package.json" "$here/package-lock.json" "$here/tsconfig.json" "$here/README.md" "$here/.vscodeignore" "$stage/"
cd "$stage"
# Types and the language client for the build, then only what the extension needs at run time.
npm ci --prefer-offline --no-audit --no-fund --ignore-scripts --loglevel=error
"$root/node_modules/.bin/tsc" -p tsconfig.json
npm prune --omit=dev --prefer-offline --no-audit --no-fund --loglevel=error
version="$(node -p 'require("./package.json").version')"
out="$here/spark-vscode-$version.vsix"
"$tools/node_modules/.bin/vsce" package --skip-license --allow-missing-repository --out "$out"
echo "package-vsix: wrote $out"
