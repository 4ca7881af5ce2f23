#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds wasm/libcurl.wasm and wasm/curl.wasm from the pinned sources in
# curl-src/, offline; `bash build.sh debug-tool` builds .build/debug/curl.wasm
# and .build/debug/libtests.wasm instead (debug builds of the tool and of
# curl's libtests for curl's test suite; nothing in wasm/).
# Each dependency is a cached stage under .build/: a stage reruns only when
# its inputs (sources, flags, this script's stage text) change.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")" && pwd)
B=${BUILD_DIR:-$ROOT/.build}
P=$B/prefix
SRC=$ROOT/curl-src
JOBS=$(nproc)
MODE=${1:-release}
case "$MODE" in release|debug-tool) ;; *) echo "usage: bash build.sh [debug-tool]" >&2; exit 2 ;; esac
mkdir -p "$B" "$P/include" "$P/lib"

log() { printf '[build] %s\n' "$*" >&2; }

# --- toolchain ---------------------------------------------------------------
if ! command -v emcc >/dev/null || ! command -v wasm-opt >/dev/null; then
  log "installing emscripten and binaryen from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq emscripten binaryen
fi
# Debian's emcc finds acorn (JS optimiser) only through NODE_PATH; without it
# configure checks fail silently.
export NODE_PATH=/usr/share/nodejs
export EM_CACHE=${EM_CACHE:-$B/emcache}
if [ ! -d "$EM_CACHE" ] && [ -d /usr/share/emscripten/cache ]; then
  cp -r /usr/share/emscripten/cache "$EM_CACHE"
fi
TOOLCHAIN="$(emcc --version | sed -n 1p) / debian $(cat /etc/debian_version 2>/dev/null || echo ?)"

# --- sources -----------------------------------------------------------------
(cd "$SRC" && sha256sum --quiet -c SHA256SUMS)
if command -v gpgv >/dev/null && [ -f "$SRC/curl-signing-key.gpg" ]; then
  gpgv --keyring "$SRC/curl-signing-key.gpg" \
    "$SRC/curl_8.14.1.orig.tar.gz.asc" "$SRC/curl_8.14.1.orig.tar.gz" 2>/dev/null \
    || { log "curl signature does not verify"; exit 1; }
fi

# Reproducible objects: no build paths, no timestamps in archives.
export SOURCE_DATE_EPOCH=0 ZERO_AR_DATE=1
OPT=${OPT:--Oz}
CFLAGS_COMMON="$OPT -ffile-prefix-map=$B/=./ -ffile-prefix-map=$ROOT/=./"

# stage NAME INPUT... : true when the stage must run (and records its key)
stage() {
  local name=$1; shift
  local key
  # The key holds the flags as written, not their expansion: the build paths
  # they map away do not change the output, so a copy of .build/ in another
  # work tree (a git worktree) stays cached.
  key=$( { echo "$TOOLCHAIN $OPT"; grep '^CFLAGS_COMMON=' "$ROOT/build.sh"; sed -n "/^# stage:$name\$/,/^# end:$name\$/p" "$ROOT/build.sh";
           cat "$@" 2>/dev/null; } | sha256sum | cut -c1-16)
  if [ -f "$B/$name.stamp" ] && [ "$(cat "$B/$name.stamp")" = "$key" ]; then
    log "$name: cached"; return 1
  fi
  log "$name: building"; STAMP_KEY=$key; return 0
}
done_stage() { echo "$STAMP_KEY" > "$B/$1.stamp"; }

unpack() { # unpack TARBALL DIRNAME
  rm -rf "$B/src/$2"; mkdir -p "$B/src/$2"
  tar xf "$SRC/$1" -C "$B/src/$2" --strip-components=1
}

# archive OUT.a CFLAGS -- FILES...: compile each file with emcc, then emar.
archive() {
  local out=$1 flags=$2; shift 3
  local objdir=$B/obj/$(basename "$out" .a); rm -rf "$objdir"; mkdir -p "$objdir"
  printf '%s\n' "$@" | xargs -P "$JOBS" -I{} sh -c \
    'f={}; o='"$objdir"'/$(echo "$f" | sed "s|/|_|g").o; emcc '"$CFLAGS_COMMON $flags"' -c "$f" -o "$o"'
  rm -f "$out"; (cd "$objdir" && emar crD "$out" $(ls | LC_ALL=C sort))
}

# stage:zlib
if stage zlib "$SRC/zlib_1.3.dfsg+really1.3.1.orig.tar.gz"; then
  unpack zlib_1.3.dfsg+really1.3.1.orig.tar.gz zlib; cd "$B/src/zlib"
  archive "$P/lib/libz.a" "-DHAVE_UNISTD_H -DHAVE_STDARG_H" -- \
    adler32.c crc32.c deflate.c infback.c inffast.c inflate.c inftrees.c \
    trees.c zutil.c compress.c uncompr.c gzclose.c gzlib.c gzread.c gzwrite.c
  cp zlib.h zconf.h "$P/include/"; done_stage zlib
fi
# end:zlib

# stage:brotli
if stage brotli "$SRC/brotli_1.1.0.orig.tar.gz"; then
  unpack brotli_1.1.0.orig.tar.gz brotli; cd "$B/src/brotli"
  # decoder only: curl decodes br, it never encodes it
  archive "$P/lib/libbrotlidec.a" "-Ic/include" -- c/common/*.c c/dec/*.c
  cp "$P/lib/libbrotlidec.a" "$P/lib/libbrotlicommon.a"
  cp -r c/include/brotli "$P/include/"; done_stage brotli
fi
# end:brotli

# stage:zstd
if stage zstd "$SRC/libzstd_1.5.7+dfsg.orig.tar.xz"; then
  unpack libzstd_1.5.7+dfsg.orig.tar.xz zstd; cd "$B/src/zstd/lib"
  # decompression only; no x86 assembly in wasm. zstd's own size knobs
  # (lib/README.md): the single-symbol Huffman decoder only, the short-offset
  # sequence decoder only (both decode every frame), no forced inlining, no
  # error strings (curl never asks for them): ~30 KB smaller, slower
  archive "$P/lib/libzstd.a" "-DZSTD_DISABLE_ASM -DZSTD_LEGACY_SUPPORT=0 -DZSTD_MULTITHREAD=0 -DZSTD_NO_TRACE \
    -DHUF_FORCE_DECOMPRESS_X1 -DZSTD_FORCE_DECOMPRESS_SEQUENCES_SHORT -DZSTD_NO_INLINE -DZSTD_STRIP_ERROR_STRINGS" -- \
    common/*.c decompress/*.c
  cp zstd.h zstd_errors.h "$P/include/"; done_stage zstd
fi
# end:zstd

# stage:nghttp2
if stage nghttp2 "$SRC/nghttp2_1.64.0.orig.tar.gz"; then
  unpack nghttp2_1.64.0.orig.tar.gz nghttp2; cd "$B/src/nghttp2/lib"
  sed -e 's/@PACKAGE_VERSION@/1.64.0/' -e 's/@PACKAGE_VERSION_NUM@/0x014000/' \
    includes/nghttp2/nghttp2ver.h.in > includes/nghttp2/nghttp2ver.h
  # NDEBUG: release build, as nghttp2's own CMake Release builds; its 154
  # assert() sites cost ~10 KB of expression and file-name strings
  archive "$P/lib/libnghttp2.a" "-DNDEBUG -Iincludes -DNGHTTP2_STATICLIB -DBUILDING_NGHTTP2 -DHAVE_ARPA_INET_H -DHAVE_NETINET_IN_H -DHAVE_UNISTD_H" -- \
    nghttp2_*.c sfparse.c
  mkdir -p "$P/include/nghttp2"; cp includes/nghttp2/*.h "$P/include/nghttp2/"
  done_stage nghttp2
fi
# end:nghttp2

# stage:mbedtls
if stage mbedtls "$SRC/mbedtls_3.6.6.orig.tar.bz2" "$ROOT/wasm/config/mbedtls-wasm.h" "$ROOT/wasm/glue/entropy.c" \
    "$ROOT"/curl-src/patches/mbedtls/*.patch; then
  unpack mbedtls_3.6.6.orig.tar.bz2 mbedtls; cd "$B/src/mbedtls"
  # each patch says why in its header
  for p in "$ROOT"/curl-src/patches/mbedtls/*.patch; do
    [ -e "$p" ] && patch -p1 -s < "$p"
  done
  # The overrides go into mbedtls_config.h itself, so every includer (curl,
  # the glue) sees the struct layouts mbedTLS was built with: a -D flag given
  # only here let curl's mbedtls_x509_crt be 4 bytes shorter than mbedTLS's.
  cp "$ROOT/wasm/config/mbedtls-wasm.h" include/mbedtls/
  echo '#include "mbedtls-wasm.h"' >> include/mbedtls/mbedtls_config.h
  MBED="-Iinclude -Ilibrary"
  archive "$P/lib/libmbedcrypto.a" "$MBED" -- \
    $(ls library/*.c | grep -vE 'library/(ssl_|x509|pkcs7|net_sockets|debug|mps_)') \
    "$ROOT/wasm/glue/entropy.c"
  archive "$P/lib/libmbedx509.a" "$MBED" -- library/x509*.c library/pkcs7.c
  archive "$P/lib/libmbedtls.a" "$MBED" -- library/ssl_*.c library/debug.c
  cp -r include/mbedtls include/psa "$P/include/"; done_stage mbedtls
fi
# end:mbedtls

# stage:psl
# libpsl with the public suffix list compiled in (curl refuses cookies for a
# public suffix, e.g. Domain=co.uk, only with it). The list is Debian's
# publicsuffix (newer than the copy libpsl ships); libpsl's own
# psl-make-dafsa turns it into the DAFSA header psl.c includes. No IDN
# library: psl.c's builtin path looks up UTF-8 and punycode rules alike.
PSL_LIST=20250328.1952
if stage psl "$SRC/libpsl_0.21.2.orig.tar.xz" "$SRC/publicsuffix_$PSL_LIST.orig.tar.gz"; then
  unpack publicsuffix_$PSL_LIST.orig.tar.gz publicsuffix
  unpack libpsl_0.21.2.orig.tar.xz libpsl; cd "$B/src/libpsl"
  # The header records the list's mtime (psl_builtin_file_time(); newer
  # files win in psl_latest) and its path: pin the time to the list's
  # version, and blank the path so neither curl's psl_latest(NULL) nor
  # psl_builtin_outdated() ever stat()s or loads a file at run time.
  cp "$B/src/publicsuffix/public_suffix_list.dat" src/
  touch -d "$(echo $PSL_LIST | sed -E 's/^(....)(..)(..)\.(..)(..)$/\1-\2-\3 \4:\5 UTC/')" src/public_suffix_list.dat
  (cd src && python3 psl-make-dafsa --output-format=cxx+ public_suffix_list.dat suffixes_dafsa.h)
  sed -i 's/^static const char _psl_filename\[\] = .*/static const char _psl_filename[] = "";/' src/suffixes_dafsa.h
  sed -e 's/@LIBPSL_VERSION@/0.21.2/' -e 's/@LIBPSL_VERSION_MAJOR@/0/' -e 's/@LIBPSL_VERSION_MINOR@/21/' \
    -e 's/@LIBPSL_VERSION_PATCH@/2/' -e 's/@LIBPSL_VERSION_NUMBER@/0x001502/' include/libpsl.h.in > include/libpsl.h
  # what libpsl's configure defines for --enable-builtin --disable-runtime
  archive "$P/lib/libpsl.a" "-Iinclude -Isrc -DENABLE_BUILTIN -DBUILDING_PSL -DPSL_STATIC -DPACKAGE_VERSION=\\\"0.21.2\\\" -DHAVE_STRINGS_H" -- \
    src/psl.c src/lookup_string_in_fixed_set.c
  cp include/libpsl.h "$P/include/"; done_stage psl
fi
# end:psl

# stage:libssh2
# libssh2 on the in-tree mbedTLS, for the tool's SFTP and SCP (curl-ssh
# below); Debian's security patches (debian/patches/series of the pinned
# Debian tarball) applied. Its libssh2_config.h switches are given as -D
# flags (libssh2_setup.h reads that file only with HAVE_CONFIG_H). No agent
# (no HAVE_SYS_UN_H, so agent.c has no Unix-socket path: curl's agent step
# finds none and goes on), no zlib (compression is negotiated only with
# --compressed-ssh). The mbedTLS built
# above has no CTR mode and no RIPEMD-160 (adding them would change
# libcurl.wasm): the ciphers left are chacha20-poly1305@openssh.com
# (libssh2's own), AES-CBC and 3DES-CBC; OpenSSH offers chacha20 by default.
SSH2_DEB=libssh2_1.11.1-1+deb13u2.debian.tar.xz
if stage libssh2 "$SRC/libssh2_1.11.1.orig.tar.gz" "$SRC/$SSH2_DEB" "$B/mbedtls.stamp"; then
  unpack libssh2_1.11.1.orig.tar.gz libssh2; cd "$B/src/libssh2"
  tar xJf "$SRC/$SSH2_DEB"
  for p in $(grep -v '^#' debian/patches/series); do patch -p1 -s < "debian/patches/$p"; done
  archive "$P/lib/libssh2.a" "-Iinclude -I$P/include -DLIBSSH2_MBEDTLS -DHAVE_UNISTD_H -DHAVE_INTTYPES_H \
    -DHAVE_SYS_SELECT_H -DHAVE_SYS_UIO_H -DHAVE_SYS_SOCKET_H -DHAVE_SYS_IOCTL_H -DHAVE_SYS_TIME_H \
    -DHAVE_GETTIMEOFDAY -DHAVE_STRTOLL -DHAVE_SNPRINTF -DHAVE_EXPLICIT_BZERO -DHAVE_O_NONBLOCK -DHAVE_POLL \
    -DLIBSSH2_NO_AES_CTR -DLIBSSH2_NO_HMAC_RIPEMD" -- \
    $(sed -n '/^CSOURCES/,/^$/p' src/Makefile.inc | grep -o '[a-z_0-9-]*\.c' | sed 's|^|src/|')
  cp include/libssh2.h include/libssh2_publickey.h include/libssh2_sftp.h "$P/include/"; done_stage libssh2
fi
# end:libssh2

# stage:curl
CURL=$B/src/curl
# build_curl DIR CFLAGS CPPFLAGS CONFIGURE-FLAG...: unpacks, patches, configures
# and builds libcurl in DIR/src/curl (logs in DIR); shared by the release
# build and the debug tool
build_curl() {
  local dir=$1 cflags=$2 cppflags=$3; shift 3
  local tree=$dir/src/curl
  rm -rf "$tree"; mkdir -p "$tree"
  tar xf "$SRC/curl_8.14.1.orig.tar.gz" -C "$tree" --strip-components=1; cd "$tree"
  for p in "$ROOT"/curl-src/patches/*.patch; do
    [ -e "$p" ] && patch -p1 -s < "$p"
  done
  # curl_disallow_alarm: alarm/sigsetjmp would need JS-only invoke_* imports.
  # USE_RESOLV_HOST, USE_HOST_IDN and LIBCURL_WASM switch on what
  # curl-src/patches adds.
  curl_disallow_alarm=yes \
  CFLAGS="$cflags" CPPFLAGS="-I$P/include -DUSE_RESOLV_HOST -DUSE_HOST_IDN -DLIBCURL_WASM $cppflags" LDFLAGS="-L$P/lib" \
  PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=/nonexistent \
  emconfigure ./configure --host=wasm32-unknown-emscripten \
    --disable-shared --enable-static --disable-dependency-tracking \
    --with-mbedtls="$P" --with-zlib="$P" --with-brotli="$P" --with-zstd="$P" \
    --with-nghttp2="$P" --with-libpsl="$P" --without-libidn2 --without-libssh2 \
    --without-librtmp --without-ca-bundle --without-ca-path --without-ca-fallback \
    --disable-threaded-resolver --disable-socketpair --disable-unix-sockets \
    --disable-ldap --disable-ldaps --disable-smb \
    --disable-manual --disable-docs \
    --enable-websockets --enable-ipv6 "$@" \
    > "$dir/curl-configure.log" 2>&1 || { tail -40 "$dir/curl-configure.log"; exit 1; }
  emmake make -C lib -j"$JOBS" libcurl.la > "$dir/curl-make.log" 2>&1 \
    || { tail -40 "$dir/curl-make.log"; exit 1; }
}
if [ "$MODE" = release ] && stage curl "$SRC/curl_8.14.1.orig.tar.gz" "$ROOT"/curl-src/patches/*.patch "$B"/{zlib,brotli,zstd,nghttp2,mbedtls,psl}.stamp; then
  build_curl "$B" "$CFLAGS_COMMON" ""
  done_stage curl
fi
# end:curl

# stage:curl-ssh
# The tool's libcurl (in .build/ssh): the library's configuration plus SFTP
# and SCP through libssh2. A second tree, because libssh2 does not fit the
# library's size budget (README, "What is built in": +59 KB gzipped against
# 49 KB left): libcurl.wasm stays without SSH, curl.wasm and the libtests
# (what curl's test suite runs) have it.
T=$B/ssh
if [ "$MODE" = release ] && stage curl-ssh "$B/curl.stamp" "$B/libssh2.stamp" \
    <(sed -n '/^# stage:curl$/,/^# end:curl$/p' "$ROOT/build.sh"); then
  mkdir -p "$T"
  build_curl "$T" "$CFLAGS_COMMON" "" --with-libssh2="$P"
  done_stage curl-ssh
fi
# end:curl-ssh

# stage:tool
# The command-line tool's objects (src/ and the curlx helpers it shares with
# lib/), compiled by curl's own Makefile; curl_LINK=true skips its link, which
# would make emscripten's JS launcher: we link standalone below.
# curlinfo prints the build's compile-time switches (cookies: ON...): curl's
# test suite reads them; wasm/curlinfo.txt keeps what this build says.
# USE_MANUAL (which --enable-manual would add) turns on --manual and
# --help <option>; the text stays out of curl.wasm (curl-tool_hugehelp.o is
# not linked, wasm/tool/manual.c asks the host for it): curl's own managen
# and mkhelp.pl -c make it here from docs/cmdline-opts, and the gzip stream
# mkhelp.pl would embed is written out as curl-manual.txt.gz.
build_tool() { # build_tool DIR CFLAGS: the tool's objects of DIR/src/curl, DIR/curlinfo.txt, DIR/curl-manual.txt.gz
  local tree=$1/src/curl
  rm -f "$tree"/src/curl-*.o   # make does not see the changed CPPFLAGS
  local cppflags
  cppflags="$(sed -n 's/^CPPFLAGS = //p' "$tree/src/Makefile") -DUSE_MANUAL"
  emmake make -C "$tree/src" -j"$JOBS" curl curl_LINK=true curlinfo curlinfo_LINK=true CPPFLAGS="$cppflags" \
    > "$1/tool-make.log" 2>&1 || { tail -40 "$1/tool-make.log"; exit 1; }
  emcc $2 -sENVIRONMENT=node -sSINGLE_FILE "$tree/src/curlinfo.o" -o "$1/curlinfo.js"
  mv "$1/curlinfo.js" "$1/curlinfo.cjs" # CommonJS, under a "type": "module" package
  node "$1/curlinfo.cjs" > "$1/curlinfo.txt"
  make -s -C "$tree/docs/cmdline-opts" curl.txt >> "$1/tool-make.log" 2>&1
  perl "$tree/src/mkhelp.pl" -c < "$tree/docs/cmdline-opts/curl.txt" \
    | sed -n '/hugehelpgz\[\] = {/,/^};/p' | grep -o '0x[0-9a-f][0-9a-f]' | sed 's/^0x//' | xxd -r -p \
    > "$1/curl-manual.txt.gz"
  gzip -t "$1/curl-manual.txt.gz"
}
if [ "$MODE" = release ] && stage tool "$B/curl-ssh.stamp"; then
  build_tool "$T" "$CFLAGS_COMMON"
  done_stage tool
fi
# end:tool

# stage:libtests
# curl's libtest programs (tests/libtest/, the C half of curl's test suite),
# bundled into one program by curl's own tests/mk-bundle.pl as runtests.pl
# knows it (`libtests NAME URL ARGS`), compiled against this configured tree.
# For scripts/curl-tests.sh only: not part of the npm package.
# build_libtests DIR FLAGS: DIR/libtests/obj from DIR/src/curl (logs in DIR);
# shared by the release build and the debug tool's
build_libtests() {
  local lt=$1/libtests tree=$1/src/curl
  rm -rf "$lt"; mkdir -p "$lt/obj"
  (cd "$tree/tests/libtest" && perl mk-lib1521.pl < ../../include/curl/curl.h "$lt/lib1521.c" \
    && perl ../mk-bundle.pl . > "$lt/libtest_bundle.c")
  local flags="-DHAVE_CONFIG_H -DCURL_STATICLIB -I$lt -I$tree/include -I$tree/lib -I$tree/lib/curlx \
    -I$tree/src -I$tree/tests/libtest -I$tree/tests/unit -I$P/include"
  printf '%s\n' "$lt/libtest_bundle.c" "$tree"/tests/libtest/{testutil,testtrace,memptr}.c | xargs -P "$JOBS" -I{} \
    sh -c 'emcc '"$2 $flags"' -c {} -o '"$lt/obj"'/$(basename {} .c).o' \
    > "$1/libtests-make.log" 2>&1 || { tail -40 "$1/libtests-make.log"; exit 1; }
}
if [ "$MODE" = release ] && stage libtests "$B/curl-ssh.stamp"; then
  build_libtests "$T" "$CFLAGS_COMMON"
  done_stage libtests
fi
# end:libtests

# stage:debug-tool
# `bash build.sh debug-tool`: curl-wasm as a debug build, for curl's test
# suite only (~93 of its tests need `Debug` or `TrackMemory`: CURL_DEBUG-only
# hooks, memory-tracking logs). The same sources, patches, glue and bridge,
# configured with --enable-debug (memory tracking follows it) as curl's own
# CI builds it; -O1 builds faster. It lives in .build/debug, never in wasm/
# or the package. Its key holds the release curl and tool stages' text too.
D=$B/debug
DEBUG_CFLAGS="-O1 ${CFLAGS_COMMON#"$OPT "}"
DEBUG_CPPFLAGS="-DDEBUGBUILD -DCURLDEBUG" # what --enable-debug adds: the glue includes curl's structs
if [ "$MODE" = debug-tool ] && stage debug-tool "$SRC/curl_8.14.1.orig.tar.gz" "$ROOT"/curl-src/patches/*.patch \
    "$B"/{zlib,brotli,zstd,nghttp2,mbedtls,psl}.stamp \
    <(sed -n '/^# stage:curl$/,/^# end:tool$/p' "$ROOT/build.sh"); then
  mkdir -p "$D"
  build_curl "$D" "$DEBUG_CFLAGS" "" --enable-debug
  build_tool "$D" "$DEBUG_CFLAGS"
  done_stage debug-tool
fi
# end:debug-tool

# stage:debug-libtests
# the libtests bundle of the debug tree (.build/debug/libtests.wasm, linked
# below): the libtests whose tests need Debug or TrackMemory run with it
if [ "$MODE" = debug-tool ] && stage debug-libtests "$B/debug-tool.stamp" \
    <(sed -n '/^# stage:libtests$/,/^# end:libtests$/p' "$ROOT/build.sh"); then
  build_libtests "$D" "$DEBUG_CFLAGS $DEBUG_CPPFLAGS"
  done_stage debug-libtests
fi
# end:debug-libtests

# --- link --------------------------------------------------------------------
cd "$ROOT"
# every library a link may need; a static archive adds only what is used, so
# libssh2 reaches only the links whose libcurl has SSH
DEPLIBS="-L$P/lib -lpsl -lssh2 -lnghttp2 -lmbedtls -lmbedx509 -lmbedcrypto -lz -lbrotlidec -lzstd"
# curl-wasm: the tool, with the same libcurl and bridge; its poll() blocks
# (host_sock_wait) and its filesystem is WASI's (wasm/tool/fs.c)
link_tool() { # link_tool DIR CFLAGS CPPFLAGS LDFLAGS...: DIR/curl.wasm from DIR/src/curl
  local dir=$1 cflags=$2 cppflags=$3 tree=$1/src/curl; shift 3
  local flags="-I$tree/include -I$tree/lib -I$P/include -DHAVE_CONFIG_H -DBUILDING_LIBCURL -DUSE_RESOLV_HOST"
  rm -rf "$dir/tool-glue"; mkdir -p "$dir/tool-glue"
  for f in wasm/glue/socket.c wasm/glue/resolver.c wasm/glue/idn.c wasm/glue/libc.c wasm/glue/memory.c wasm/glue/ca_cache.c wasm/glue/aead.c wasm/tool/*.c; do
    emcc $cflags $flags $cppflags -I"$tree/src" -I"$tree/lib/curlx" -DLCW_TOOL -DUSE_MANUAL -c "$f" -o "$dir/tool-glue/$(basename "$f" .c).o"
  done
  emcc $cflags -sSTANDALONE_WASM "$@" \
    -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=4MB -sMAXIMUM_MEMORY=2GB -sTOTAL_STACK=256KB \
    -sERROR_ON_UNDEFINED_SYMBOLS=0 -Wl,--wrap=emscripten_resize_heap \
    "$dir"/tool-glue/*.o $(ls "$tree"/src/curl-*.o | grep -v '/curl-tool_hugehelp\.o$') "$tree"/lib/curlx/curl-*.o "$tree/lib/.libs/libcurl.a" \
    $DEPLIBS \
    -o "$dir/curl.wasm"
}
# libtests: curl's libtest programs with the tool's bridge and files (minus
# its trust store, the tests name their CA files, nor its sandbox limits). 16 MB initial memory:
# the bundle's static test buffers need 9.
link_libtests() { # link_libtests DIR CFLAGS LDFLAGS...: DIR/libtests.wasm from DIR/libtests/obj, after link_tool DIR
  local dir=$1 cflags=$2; shift 2
  emcc $cflags -sSTANDALONE_WASM "$@" \
    -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=16MB -sMAXIMUM_MEMORY=2GB -sTOTAL_STACK=256KB \
    -sERROR_ON_UNDEFINED_SYMBOLS=0 -Wl,--wrap=emscripten_resize_heap \
    $(ls "$dir"/tool-glue/*.o | grep -v '/\(ca\|limits\)\.o$') "$dir"/libtests/obj/*.o "$dir/src/curl/lib/.libs/libcurl.a" \
    $DEPLIBS \
    -o "$dir/libtests.wasm"
}
if [ "$MODE" = debug-tool ]; then
  # function names kept: a trap in the debug tool prints a readable stack
  link_tool "$D" "$DEBUG_CFLAGS" "$DEBUG_CPPFLAGS" --profiling-funcs
  link_libtests "$D" "$DEBUG_CFLAGS" --profiling-funcs
  log "$D/curl.wasm: $(stat -c %s "$D/curl.wasm") bytes, $D/libtests.wasm: $(stat -c %s "$D/libtests.wasm") bytes (debug, for curl's test suite)"
  exit 0
fi

GLUE_FLAGS="-I$CURL/include -I$CURL/lib -I$P/include -DHAVE_CONFIG_H -DBUILDING_LIBCURL -DUSE_RESOLV_HOST"
rm -rf "$B/glue"; mkdir -p "$B/glue"
for f in wasm/glue/*.c; do
  [ "$f" = wasm/glue/entropy.c ] && continue
  emcc $CFLAGS_COMMON $GLUE_FLAGS -c "$f" -o "$B/glue/$(basename "$f" .c).o"
done
EXPORTS=$(grep -v '^#' wasm/exports.txt | grep . | sed 's/.*/"_&"/' | paste -sd, -)
# --wrap=clock_gettime: the monotonic clocks come from glue/clock.c (one
# host call answering a double, not WASI's clock_time_get and its BigInt)
emcc $CFLAGS_COMMON -sSTANDALONE_WASM --no-entry \
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=4MB -sMAXIMUM_MEMORY=2GB -sTOTAL_STACK=256KB \
  -sEXPORTED_FUNCTIONS="[$EXPORTS]" -sERROR_ON_UNDEFINED_SYMBOLS=0 \
  -Wl,--wrap=emscripten_resize_heap -Wl,--wrap=clock_gettime \
  "$B"/glue/*.o "$CURL/lib/.libs/libcurl.a" \
  $DEPLIBS \
  -o "$B/libcurl.wasm"
cp "$B/libcurl.wasm" wasm/libcurl.wasm
link_tool "$T" "$CFLAGS_COMMON" ""
cp "$T/curl.wasm" wasm/curl.wasm

link_libtests "$T" "$CFLAGS_COMMON"
cp "$T/libtests.wasm" wasm/libtests.wasm
cp "$T/curlinfo.txt" wasm/curlinfo.txt
cp "$T/curl-manual.txt.gz" wasm/curl-manual.txt.gz
echo "$TOOLCHAIN" > wasm/libcurl.wasm.toolchain
for w in libcurl curl libtests; do
  log "wasm/$w.wasm: $(stat -c %s wasm/$w.wasm) bytes, $(gzip -9c wasm/$w.wasm | wc -c) gzipped"
done
