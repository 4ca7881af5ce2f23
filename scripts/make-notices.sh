#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Writes THIRD_PARTY_NOTICES from the licence files inside the pinned
# tarballs in curl-src/ (what libcurl.wasm and curl.wasm are built from).
# Its output is the committed file (test/notices.test.ts compares): rerun
# it when a pin changes. `make-notices.sh OUT` writes OUT instead.
set -euo pipefail
OUT=$(realpath -m "${1:-$(dirname "$0")/../THIRD_PARTY_NOTICES}")
cd "$(dirname "$0")/.."
S=curl-src
# heading TITLE...: one line each, underlined to the longest
heading() {
  local line width=0
  for line in "$@"; do [ ${#line} -gt $width ] && width=${#line}; done
  printf '%s\n' "$@"
  printf '%*s\n\n' "$width" '' | tr ' ' '='
}
# member TARBALL MEMBER: one file of a pinned tarball, as it is
member() { tar -xOf "$S/$1" --wildcards "$2"; }
# section TITLE TARBALL MEMBER: a heading and the licence file
section() {
  heading "$1"
  member "$2" "$3"
  printf '\n\n'
}
PSL=libpsl_0.21.2.orig.tar.xz
PSL_LIST=20250328.1952
{
  echo "libcurl.wasm contains the following software, each under its own licence."
  echo
  section "curl 8.14.1 (curl licence)" curl_8.14.1.orig.tar.gz 'curl-8.14.1/COPYING'
  section "Mbed TLS 3.6.6 (Apache-2.0 OR GPL-2.0-or-later; used under Apache-2.0)" mbedtls_3.6.6.orig.tar.bz2 'mbedtls-3.6.6/LICENSE'
  section "nghttp2 1.64.0 (MIT)" nghttp2_1.64.0.orig.tar.gz 'nghttp2-1.64.0/COPYING'
  section "zlib 1.3.1 (zlib licence)" zlib_1.3.dfsg+really1.3.1.orig.tar.gz '*/LICENSE'
  section "brotli 1.1.0 (MIT)" brotli_1.1.0.orig.tar.gz '*/LICENSE'
  section "zstd 1.5.7 (BSD-3-Clause OR GPL-2.0; used under BSD-3-Clause)" libzstd_1.5.7+dfsg.orig.tar.xz '*/LICENSE'
  # libpsl: its COPYING, the Chromium licence of its DAFSA code, and the
  # licence psl.c quotes for the punycode code this build uses (no IDN library)
  heading "libpsl 0.21.2 (MIT; its DAFSA code BSD-3-Clause, its punycode code the" \
    "punycode-spec licence)"
  member "$PSL" 'libpsl-0.21.2/COPYING'
  echo
  member "$PSL" 'libpsl-0.21.2/src/LICENSE.chromium'
  printf "\n* psl.c's punycode encoder (used because this build has no IDN library):\n\n"
  member "$PSL" 'libpsl-0.21.2/src/psl.c' | sed -n '/^  punycode-spec 1\.0\.3/,/^    similar terms\.$/p'
  printf '\n\n'
  heading "Public Suffix List $PSL_LIST (MPL-2.0)"
  cat <<TEXT
The public suffix list (public_suffix_list.dat, https://publicsuffix.org/) is
compiled into libcurl.wasm as libpsl's built-in DAFSA. Its unmodified source
form is curl-src/publicsuffix_$PSL_LIST.orig.tar.gz in this package's
source repository (Debian's publicsuffix $PSL_LIST-0.1 orig tarball).

TEXT
  member "publicsuffix_$PSL_LIST.orig.tar.gz" "publicsuffix-$PSL_LIST/LICENSE"
  printf '\n\n'
  heading "libssh2 1.11.1 (BSD-3-Clause; in curl.wasm, the tool, only)"
  member libssh2_1.11.1.orig.tar.gz 'libssh2-1.11.1/COPYING'
} > "$OUT"
