#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Rebuilds wasm/libcurl.wasm, wasm/curl.wasm (the tool) and wasm/libtests.wasm
# (curl's libtest programs, for its test suite) from a clean build
# directory and compares them with the committed bytes. Bytes are comparable
# only under the toolchain recorded beside the artifacts; under another one
# the fresh builds replace them in the work tree so that the tests run
# against them.
set -euo pipefail
cd "$(dirname "$0")/.."
ARTIFACTS="wasm/libcurl.wasm wasm/curl.wasm wasm/libtests.wasm wasm/curlinfo.txt wasm/curl-manual.txt.gz"
committed=$(mktemp -d)
for a in $ARTIFACTS; do cp "$a" "$committed/"; done
recorded=$(cat wasm/libcurl.wasm.toolchain)
BUILD_DIR=$(mktemp -d) bash build.sh
fresh=$(cat wasm/libcurl.wasm.toolchain)
if [ "$recorded" != "$fresh" ]; then
  echo "toolchain differs (committed: $recorded; here: $fresh): testing the fresh build"
  exit 0
fi
for a in $ARTIFACTS; do
  if cmp -s "$committed/$(basename "$a")" "$a"; then
    echo "reproducible: $a rebuilt byte for byte ($fresh)"
  else
    echo "NOT reproducible: a clean build differs from $a" >&2; exit 1
  fi
done
