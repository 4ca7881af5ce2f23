#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Rebuilds wasm/libcurl.wasm from a clean build directory and compares it
# with the committed bytes. Bytes are comparable only under the toolchain
# recorded beside the artifact; under another one the fresh build replaces
# the artifact in the work tree so that the tests run against it.
set -euo pipefail
cd "$(dirname "$0")/.."
committed=$(mktemp); cp wasm/libcurl.wasm "$committed"
recorded=$(cat wasm/libcurl.wasm.toolchain)
BUILD_DIR=$(mktemp -d) bash build.sh
fresh=$(cat wasm/libcurl.wasm.toolchain)
if [ "$recorded" = "$fresh" ]; then
  if cmp -s "$committed" wasm/libcurl.wasm; then
    echo "reproducible: wasm/libcurl.wasm rebuilt byte for byte ($fresh)"
  else
    echo "NOT reproducible: a clean build differs from wasm/libcurl.wasm" >&2; exit 1
  fi
else
  echo "toolchain differs (committed: $recorded; here: $fresh): testing the fresh build"
fi
