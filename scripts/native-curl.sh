#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fetches Debian's curl 8.14.1 (bookworm-backports, the version curl-wasm is built
# from) into .build/native-curl/ for test/tool/differential.test.ts. Debian 12's own
# curl is 7.88.1, whose options, messages and write-out variables differ from
# 8.14.1's. Nothing is installed system-wide: apt reads the backports index into a
# directory of its own, `apt-get download` checks each .deb against that signed
# index, this script against the SHA-256 sums below, and `dpkg -x` unpacks them.
# Every other library curl needs is bookworm's (already installed with Debian's curl).
#
#   bash scripts/native-curl.sh     prints the path of .build/native-curl/curl, a
#                                   wrapper that runs it against its own libcurl
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=8.14.1-2+deb13u2~bpo13+1
SUMS="85a42e422e9c4fff8a2f25d6258230df7a90468a4e3b404afa65319c515428d1  curl_${VERSION}_amd64.deb
00e72a9c6a41a54c12518fd221447a7d5f7a827bdede2eeddf1dc34e6c813b73  libcurl4_${VERSION}_amd64.deb"
dest=$PWD/.build/native-curl
bin=$dest/curl
if [ -x "$bin" ] && [ "$(cat "$dest/version" 2>/dev/null)" = "$VERSION" ]; then
  echo "$bin"
  exit 0
fi
if [ "$(dpkg --print-architecture 2>/dev/null)" != amd64 ] || ! command -v apt-get >/dev/null; then
  echo "scripts/native-curl.sh: needs Debian or Ubuntu on amd64" >&2
  exit 1
fi
rm -rf "$dest"
mkdir -p "$dest/apt/lists/partial" "$dest/apt/cache/archives/partial" "$dest/root"
echo "deb http://deb.debian.org/debian bookworm-backports main" >"$dest/apt/sources.list"
apt=(-q -o "Dir::Etc::SourceList=$dest/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$dest/apt/lists" -o "Dir::Cache=$dest/apt/cache" -o APT::Sandbox::User=root)
apt-get "${apt[@]}" update >&2
(cd "$dest" && apt-get "${apt[@]}" download "curl=$VERSION" "libcurl4=$VERSION" >&2 && echo "$SUMS" | sha256sum -c --quiet -)
for deb in "$dest"/*.deb; do dpkg -x "$deb" "$dest/root"; done
rm -rf "$dest/apt" "$dest"/*.deb
printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$dest/root/usr/lib/x86_64-linux-gnu" "$dest/root/usr/bin/curl" >"$bin"
chmod +x "$bin"
echo "$VERSION" >"$dest/version"
echo "$bin"
