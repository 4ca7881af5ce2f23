#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Writes THIRD_PARTY_NOTICES from the licence files inside the pinned
# tarballs in curl-src/ (what libcurl.wasm is built from).
set -euo pipefail
cd "$(dirname "$0")/.."
S=curl-src
section() { # title tarball member
  printf '%s\n%s\n\n' "$1" "$(printf '%*s' ${#1} '' | tr ' ' '=')"
  tar -xOf "$S/$2" --wildcards "$3"
  printf '\n\n'
}
{
  echo "libcurl.wasm contains the following software, each under its own licence."
  echo
  section "curl 8.14.1 (curl licence)" curl_8.14.1.orig.tar.gz 'curl-8.14.1/COPYING'
  section "Mbed TLS 3.6.6 (Apache-2.0 OR GPL-2.0-or-later; used under Apache-2.0)" mbedtls_3.6.6.orig.tar.bz2 'mbedtls-3.6.6/LICENSE'
  section "nghttp2 1.64.0 (MIT)" nghttp2_1.64.0.orig.tar.gz 'nghttp2-1.64.0/COPYING'
  section "zlib 1.3.1 (zlib licence)" zlib_1.3.dfsg+really1.3.1.orig.tar.gz '*/LICENSE'
  section "brotli 1.1.0 (MIT)" brotli_1.1.0.orig.tar.gz '*/LICENSE'
  section "zstd 1.5.7 (BSD-3-Clause OR GPL-2.0; used under BSD-3-Clause)" libzstd_1.5.7+dfsg.orig.tar.xz '*/LICENSE'
} > THIRD_PARTY_NOTICES
