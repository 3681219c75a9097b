#!/usr/bin/env bash
# Installs the pinned third-party clients the interop tests drive into .interop/ (git-ignored), outside the
# project's own dependencies, so that the project's lockfile never carries them. Idempotent: a client
# whose pinned version is already there is not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

CODEX_VERSION=0.169.0
prefix=.interop/codex
installed=$(node -p "try { require('./$prefix/node_modules/@openai/codex/package.json').version } catch { '' }")
if [ "$installed" != "$CODEX_VERSION" ]; then
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --no-package-lock "@openai/codex@$CODEX_VERSION"
fi
echo "interop: @openai/codex $CODEX_VERSION in $prefix"
