#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the peers the benchmark needs beyond the project's devDependencies:
# node-libcurl 4.0.0 built from source against Debian's libcurl (5.x needs
# Node 22), Debian's curl CLI and nginx. Kept out of package.json so that `npm ci`
# (and CI) never compiles a native addon.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || ! command -v curl >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libcurl4-openssl-dev curl
fi
[ -f node_modules/node-libcurl/lib/binding/node_libcurl.node ] ||
  npm install --no-save --no-audit --no-fund node-libcurl@4.0.0 --build-from-source
# Debian's nginx for `--server nginx` (the interop suite's installer)
bash scripts/nginx.sh install
