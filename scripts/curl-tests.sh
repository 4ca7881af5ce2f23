#!/usr/bin/env bash
# curl's own test suite (tests/runtests.pl of the vendored curl 8.14.1) against
# a curl command-line tool: the native test servers are built from the vendored
# source, runtests.pl runs the tool through a wrapper script.
#
#   bash scripts/curl-tests.sh [--tool CMD] [--jobs N] [--only "TESTS/KEYWORDS"]
#                              [--only-arg "MULTI WORD KEYWORD"]
#                              [--curl-build DIR | --curlinfo CMD]
#                              [--debug-tool CMD [--debug-curlinfo CMD]]
#                              [--known-failures FILE] [--timeout SEC]
#                              [--retry N] [--verbose] [--libtests CMD]
#                              [--debug-libtests CMD]
#
#   --tool CMD        the curl under test; a command line, run as `CMD "$@"`
#                     (default /usr/bin/curl). `native` builds curl 8.14.1 from
#                     the vendored source (OpenSSL, zlib, brotli, zstd, nghttp2,
#                     the wasm build's protocol set) and tests that.
#   --jobs N          runtests.pl -jN, parallel test runners (default 2)
#   --only "..."      passed to runtests.pl as test selection: numbers ("1 2 3",
#                     "100 to 200", "!5") or keywords ("HTTP", "!cookies").
#                     Once a keyword is given only tests with it run.
#                     Split on whitespace; --only-arg passes one argument as is.
#   --curl-build DIR  the configured curl tree the tool was built from (for
#                     the wasm tool: .build/ssh/src/curl); its src/curlinfo.c is
#                     compiled natively against its lib/curl_config.h, so
#                     runtests.pl sees the tool's compile-time switches
#                     (netrc, large-time, large-size, xattr, wakeup ...)
#   --curlinfo CMD    or: a command that prints them ("cookies: ON" ...).
#                     Default for both: the harness's own curlinfo (every
#                     switch at configure's default; right for a default
#                     native build only).
#   --debug-tool CMD  a debug build of the same tool (Features: Debug
#                     TrackMemory): the tests whose <features> need Debug or
#                     TrackMemory run with it, in a second runtests.pl run,
#                     and every other test with --tool; one summary counts both
#   --debug-curlinfo CMD  its compile-time switches, as --curlinfo
#   --no-resolver-thread  the tools' AsynchDNS runs no thread (curl-wasm's
#                     resolver is the host's): runtests.pl otherwise takes
#                     AsynchDNS without c-ares for the threaded resolver and
#                     turns memory tracking (TrackMemory) off
#   --known-failures  default test/curl-suite/known-failures.txt
#   --timeout SEC     the wrapper kills one run of the tool after SEC seconds
#                     (default 300; 0: never) so a hang cannot stall the suite
#   --retry N         runtests.pl --retry=N: re-run up to N failed tests once
#   --verbose         stream every line of runtests.pl (always in the log)
#   --libtests CMD    curl's libtest programs (tests/libtest/, bundled as
#                     curl's mk-bundle.pl does): run as `CMD NAME URL ARGS`;
#                     the <tool>lib...</tool> tests run through it (otherwise
#                     they are excluded), each under the same --timeout, with
#                     the exclusions in test/curl-suite/libtests-excludes.txt
#   --debug-libtests CMD  the debug build's libtest programs, as --libtests,
#                     for the debug tool's run (without it, the libtests that
#                     need Debug or TrackMemory are excluded there)
#
# Exit status: 0 when every test that ran passed or is a known failure, 1 when
# any other test failed (or runtests.pl did not finish), 2 on a usage error.
# The full runtests.pl output is kept in .build/curl-tests/last-run.log (the
# debug tool's in last-run-debug.log).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
START=$(pwd)   # relative paths in --tool/--curlinfo are relative to here (the harness build cds away)
SELF="$ROOT/scripts/curl-tests.sh"
TARBALL="$ROOT/curl-src/curl_8.14.1.orig.tar.gz"
SUMS="$ROOT/curl-src/SHA256SUMS"
CURLVER=8.14.1
BASE=${CURL_TESTS_CACHE:-$ROOT/.build/curl-tests}

TOOL=/usr/bin/curl
JOBS=2
ONLY=""
ONLY_ARGS=()
TIMEOUT=300
CURLINFO_CMD=""
CURL_BUILD=""
DEBUG_TOOL=""
DEBUG_CURLINFO=""
NO_RESOLVER_THREAD=0
KNOWN="$ROOT/test/curl-suite/known-failures.txt"
RETRY=0
VERBOSE=0
LIBTESTS=""
DEBUG_LIBTESTS=""
LIBTESTS_EXCLUDES="$ROOT/test/curl-suite/libtests-excludes.txt"

usage() { sed -n '2,54p' "$SELF" | sed 's/^# \{0,1\}//'; }
die() { echo "curl-tests: $*" >&2; exit 2; }
log() { echo "curl-tests: $*" >&2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --tool) [ $# -ge 2 ] || die "--tool needs a value"; TOOL=$2; shift 2 ;;
    --tool=*) TOOL=${1#*=}; shift ;;
    --jobs|-j) [ $# -ge 2 ] || die "--jobs needs a value"; JOBS=$2; shift 2 ;;
    --jobs=*) JOBS=${1#*=}; shift ;;
    --only) [ $# -ge 2 ] || die "--only needs a value"; ONLY=$2; shift 2 ;;
    --only=*) ONLY=${1#*=}; shift ;;
    --only-arg) [ $# -ge 2 ] || die "--only-arg needs a value"; ONLY_ARGS+=("$2"); shift 2 ;;
    --timeout) [ $# -ge 2 ] || die "--timeout needs a value"; TIMEOUT=$2; shift 2 ;;
    --timeout=*) TIMEOUT=${1#*=}; shift ;;
    --curl-build) [ $# -ge 2 ] || die "--curl-build needs a value"; CURL_BUILD=$2; shift 2 ;;
    --curl-build=*) CURL_BUILD=${1#*=}; shift ;;
    --curlinfo) [ $# -ge 2 ] || die "--curlinfo needs a value"; CURLINFO_CMD=$2; shift 2 ;;
    --curlinfo=*) CURLINFO_CMD=${1#*=}; shift ;;
    --debug-tool) [ $# -ge 2 ] || die "--debug-tool needs a value"; DEBUG_TOOL=$2; shift 2 ;;
    --debug-tool=*) DEBUG_TOOL=${1#*=}; shift ;;
    --debug-curlinfo) [ $# -ge 2 ] || die "--debug-curlinfo needs a value"; DEBUG_CURLINFO=$2; shift 2 ;;
    --debug-curlinfo=*) DEBUG_CURLINFO=${1#*=}; shift ;;
    --no-resolver-thread) NO_RESOLVER_THREAD=1; shift ;;
    --known-failures) [ $# -ge 2 ] || die "--known-failures needs a value"; KNOWN=$2; shift 2 ;;
    --known-failures=*) KNOWN=${1#*=}; shift ;;
    --retry) [ $# -ge 2 ] || die "--retry needs a value"; RETRY=$2; shift 2 ;;
    --retry=*) RETRY=${1#*=}; shift ;;
    --verbose|-v) VERBOSE=1; shift ;;
    --libtests) [ $# -ge 2 ] || die "--libtests needs a value"; LIBTESTS=$2; shift 2 ;;
    --libtests=*) LIBTESTS=${1#*=}; shift ;;
    --debug-libtests) [ $# -ge 2 ] || die "--debug-libtests needs a value"; DEBUG_LIBTESTS=$2; shift 2 ;;
    --debug-libtests=*) DEBUG_LIBTESTS=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ "$JOBS" =~ ^[0-9]+$ ]] || die "--jobs wants a number"
[[ "$RETRY" =~ ^[0-9]+$ ]] || die "--retry wants a number"
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || die "--timeout wants a number of seconds"
[ -z "$KNOWN" ] || [ -r "$KNOWN" ] || die "cannot read known failures: $KNOWN"
if [ -n "$DEBUG_TOOL" ] && { [ -n "$ONLY" ] || [ ${#ONLY_ARGS[@]} -gt 0 ]; }; then
  die "--only selects tests for one tool: give the debug build as --tool to run its tests alone"
fi
if [ -n "$CURL_BUILD" ]; then
  [ -z "$CURLINFO_CMD" ] || die "give --curl-build or --curlinfo, not both"
  CURL_BUILD=$(cd "$CURL_BUILD" 2>/dev/null && pwd) || die "no such directory: $CURL_BUILD"
  [ -r "$CURL_BUILD/lib/curl_config.h" ] && [ -r "$CURL_BUILD/src/curlinfo.c" ] \
    || die "--curl-build wants a configured curl tree (lib/curl_config.h, src/curlinfo.c)"
fi
# runtests.pl splices some paths into shell commands unquoted and -o accepts
# only [\w.:/[]-]: keep the cache path plain.
[[ "$BASE" =~ ^[A-Za-z0-9_./:+-]+$ ]] || die "cache path has unusual characters: $BASE (set CURL_TESTS_CACHE)"

# Relative paths in a command (the first word, and later words that name an
# existing file) are made absolute: runtests.pl runs the tool from tests/.
absolutize() {
  local out="" w i=0
  for w in $1; do
    if [ $i -eq 0 ] && [[ "$w" != */* ]] && command -v "$w" >/dev/null 2>&1; then
      w=$(command -v "$w")
    elif [[ "$w" != /* ]] && [ -e "$START/$w" ]; then
      w="$(cd "$START/$(dirname "$w")" && pwd)/$(basename "$w")"
    fi
    out="$out${out:+ }$w"; i=$((i+1))
  done
  printf '%s' "$out"
}

# --- packages: Debian's archive only -------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"   # Debian tools ahead of pyenv shims etc.
export PATH

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
ensure_pkgs() {
  local missing=() p
  for p in "$@"; do installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing from Debian: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! $sudo apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    $sudo apt-get update -qq >/dev/null 2>&1 || true
    $sudo apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}" >&2
  fi
}

# perl + perl-modules carry every module runtests.pl loads (Digest::MD5/SHA,
# Time::HiRes, I18N::Langinfo, Memoize, Storable ...); the rest: a C toolchain for
# tests/server and curlinfo, openssl to generate tests/certs, stunnel4 for the
# TLS servers, nghttpx (nghttp2-proxy) for HTTP/2, python3 for the DICT and
# TELNET servers, curl as the server-verifying client (-vc).
BASE_PKGS=(perl make gcc libc6-dev openssl stunnel4 nghttp2-proxy python3 curl diffutils procps)
ensure_pkgs "${BASE_PKGS[@]}"

# --- the vendored source, verified ---------------------------------------------------
[ -r "$TARBALL" ] || die "missing $TARBALL"
want=$(awk '$2=="curl_8.14.1.orig.tar.gz"{print $1}' "$SUMS")
have=$(sha256sum "$TARBALL" | cut -d' ' -f1)
[ -n "$want" ] && [ "$want" = "$have" ] || die "curl_8.14.1.orig.tar.gz does not match curl-src/SHA256SUMS"
KEY="h-${have:0:12}-$(sha256sum "$SELF" | cut -c1-12)"
CACHE="$BASE/$KEY"
SRC="$CACHE/curl-$CURLVER"
mkdir -p "$BASE"
# one run at a time per cache (the build and tests/log are shared)
LOCK="$BASE/.run.pid"
if [ -e "$LOCK" ] && other=$(cat "$LOCK" 2>/dev/null) && [ -n "$other" ] && kill -0 "$other" 2>/dev/null; then
  die "another run (pid $other) is using $BASE"
fi
echo $$ > "$LOCK"
trap 'rm -f "$LOCK"' EXIT
for d in "$BASE"/h-*/; do   # earlier keys of the harness
  [ -d "$d" ] && [ "${d%/}" != "$CACHE" ] && rm -rf "${d%/}"
done

MAKEJ=2   # two shared cores: never more


# --- harness build: configure natively, build tests/server, curlinfo, certs ----------
if [ ! -e "$CACHE/harness.stamp" ]; then
  t0=$(date +%s)
  log "building the harness in $CACHE (configure + tests/server + curlinfo + certs)"
  rm -rf "$CACHE"; mkdir -p "$CACHE"
  tar -xzf "$TARBALL" -C "$CACHE"
  cd "$SRC"
  # Only lib/curl_config.h, curl-config, tests/config, tests/configurehelp.pm and
  # the Makefiles are used; no TLS or other library is needed for the servers.
  # The CURL_DISABLE_* switches stay at their defaults: curlinfo reports them.
  # docs/ is generated (perl only) for the tests that check curl.1 and the
  # libcurl man pages (1139 1140 1173 1177 1477 1707 ...).
  ./configure --disable-shared --disable-dependency-tracking --disable-silent-rules \
      --without-ssl --without-zlib --without-brotli --without-zstd --without-nghttp2 \
      --without-libpsl --without-libidn2 --without-libssh2 --without-libssh \
      --without-librtmp --without-libgsasl --without-gssapi --disable-ldap --disable-ldaps \
      --with-test-nghttpx=nghttpx \
      > "$CACHE/configure.log" 2>&1 || { tail -40 "$CACHE/configure.log" >&2; die "configure failed"; }
  {
    make -j"$MAKEJ" -C tests/server &&
    make -C src curlinfo &&
    make -C tests/certs &&
    make -j"$MAKEJ" -C docs
  } > "$CACHE/make.log" 2>&1 || { tail -40 "$CACHE/make.log" >&2; die "building the test servers failed"; }
  touch "$CACHE/harness.stamp"
  log "harness built in $(( $(date +%s) - t0 ))s"
fi

# --- optional: curl 8.14.1 itself, natively (--tool native) ---------------------------
if [ "$TOOL" = native ]; then
  # The switches build.sh uses for the wasm build, with OpenSSL for mbedTLS
  # (bookworm's mbedTLS is 2.x), the native threaded resolver, and netrc on:
  # 19 netrc tests of 8.14.1 lack the netrc feature tag and fail on a
  # --disable-netrc build. Cached apart from the harness, keyed by the tarball
  # and these switches.
  NATIVE_FLAGS=(--disable-shared --disable-dependency-tracking
    --with-openssl --with-zlib --with-brotli --with-zstd --with-nghttp2
    --without-libpsl --without-libidn2 --without-libssh2 --without-librtmp
    --disable-socketpair --disable-unix-sockets
    --disable-ldap --disable-ldaps --disable-smb
    --disable-manual --disable-docs
    --enable-websockets --enable-ipv6)
  NATIVE="$BASE/native-${have:0:12}-$(printf '%s\n' "${NATIVE_FLAGS[@]}" | sha256sum | cut -c1-12)"
  if [ ! -e "$NATIVE/native.stamp" ]; then
    ensure_pkgs libssl-dev zlib1g-dev libbrotli-dev libzstd-dev libnghttp2-dev pkg-config
    t0=$(date +%s)
    log "building native curl $CURLVER in $NATIVE (OpenSSL, the wasm build's protocol set)"
    rm -rf "$BASE"/native-*; mkdir -p "$NATIVE"
    tar -xzf "$TARBALL" -C "$NATIVE"
    cd "$NATIVE/curl-$CURLVER"
    ./configure "${NATIVE_FLAGS[@]}" > "$NATIVE/configure.log" 2>&1 \
      || { tail -40 "$NATIVE/configure.log" >&2; die "native configure failed"; }
    { make -j"$MAKEJ" -C lib && make -j"$MAKEJ" -C src curl curlinfo; } > "$NATIVE/make.log" 2>&1 \
      || { tail -40 "$NATIVE/make.log" >&2; die "native curl build failed"; }
    touch "$NATIVE/native.stamp"
    log "native curl built in $(( $(date +%s) - t0 ))s"
  fi
  TOOL="$NATIVE/curl-$CURLVER/src/curl"
  [ -n "$CURLINFO_CMD" ] || CURLINFO_CMD="$NATIVE/curl-$CURLVER/src/curlinfo"
fi

TOOL=$(absolutize "$TOOL")
set -- $TOOL
[ -x "$1" ] || command -v "$1" >/dev/null 2>&1 || die "tool not found: $1"
if [ -n "$DEBUG_TOOL" ]; then
  DEBUG_TOOL=$(absolutize "$DEBUG_TOOL")
  set -- $DEBUG_TOOL
  [ -x "$1" ] || command -v "$1" >/dev/null 2>&1 || die "debug tool not found: $1"
fi

# --- run directory: wrappers and the exclude file ----------------------------------
RUN="$CACHE/run"
rm -rf "$RUN"; mkdir -p "$RUN/debug"
wrap() { # wrap FILE CMD: the script runtests.pl runs as curl
  if [ "$TIMEOUT" -gt 0 ]; then   # exit 124 when the tool is killed: the test fails, the run goes on
    printf '#!/bin/sh\nexec timeout -k 5 %s %s "$@"\n' "$TIMEOUT" "$2" > "$1"
  else
    printf '#!/bin/sh\nexec %s "$@"\n' "$2" > "$1"
  fi
  chmod +x "$1"
}
WRAP="$RUN/curl"
wrap "$WRAP" "$TOOL"
# libtest programs: runtests.pl runs ./libtest/<tool> (no bundle: it wants
# tests/server bundled too), so each program name gets a script that runs
# the bundle with the name first, as curl's own bundle is run
LTDIR="$SRC/tests/libtest"
find "$LTDIR" -maxdepth 1 -type f -perm -u+x -name 'lib*' -delete   # an earlier run's
if [ -n "$LIBTESTS" ]; then
  LIBTESTS=$(absolutize "$LIBTESTS")
  set -- $LIBTESTS
  [ -x "$1" ] || command -v "$1" >/dev/null 2>&1 || die "libtests not found: $1"
  wrap "$RUN/libtests" "$LIBTESTS"
  LTNAMES=$(sed -nE 's/^([a-z0-9]+)_SOURCES = [a-z0-9]+\.c.*/\1/p' "$LTDIR/Makefile.inc")
  lt_programs() { # lt_programs WRAPPER: every libtest program name runs WRAPPER NAME
    local name
    for name in $LTNAMES; do
      printf '#!/bin/sh\nexec %s %s "$@"\n' "$1" "$name" > "$LTDIR/$name"
      chmod +x "$LTDIR/$name"
    done
  }
  lt_programs "$RUN/libtests"
fi
if [ -n "$DEBUG_LIBTESTS" ]; then
  [ -n "$LIBTESTS" ] && [ -n "$DEBUG_TOOL" ] || die "--debug-libtests goes with --libtests and --debug-tool"
  DEBUG_LIBTESTS=$(absolutize "$DEBUG_LIBTESTS")
  set -- $DEBUG_LIBTESTS
  [ -x "$1" ] || command -v "$1" >/dev/null 2>&1 || die "debug libtests not found: $1"
  wrap "$RUN/debug/libtests" "$DEBUG_LIBTESTS"
fi
if [ -n "$CURL_BUILD" ]; then
  # every line of curlinfo is a preprocessor switch on curl_config.h: compiling
  # it natively against the tool's (e.g. wasm32) configuration reports that build
  gcc -DHAVE_CONFIG_H -I"$CURL_BUILD/include" -I"$CURL_BUILD/lib" -I"$CURL_BUILD/lib/curlx" \
      -I"$CURL_BUILD/src" "$CURL_BUILD/src/curlinfo.c" -o "$RUN/curlinfo" 2> "$RUN/curlinfo.log" \
    || { cat "$RUN/curlinfo.log" >&2; die "could not compile $CURL_BUILD/src/curlinfo.c"; }
elif [ -n "$CURLINFO_CMD" ]; then
  CURLINFO_CMD=$(absolutize "$CURLINFO_CMD")
  printf '#!/bin/sh\nexec %s "$@"\n' "$CURLINFO_CMD" > "$RUN/curlinfo"
else
  printf '#!/bin/sh\nexec %s "$@"\n' "$SRC/src/curlinfo" > "$RUN/curlinfo"
  [ "$TOOL" = /usr/bin/curl ] || log "note: no --curl-build/--curlinfo; the harness's curlinfo (configure defaults) describes the tool"
fi
chmod +x "$RUN/curlinfo"
if [ -n "$DEBUG_TOOL" ]; then
  wrap "$RUN/debug/curl" "$DEBUG_TOOL"
  if [ -n "$DEBUG_CURLINFO" ]; then
    printf '#!/bin/sh\nexec %s "$@"\n' "$(absolutize "$DEBUG_CURLINFO")" > "$RUN/debug/curlinfo"
    chmod +x "$RUN/debug/curlinfo"
  else
    cp "$RUN/curlinfo" "$RUN/debug/curlinfo"
  fi
fi

VERLINE=$("$WRAP" --version 2>/dev/null | head -1 || true)
[ -n "$VERLINE" ] || die "'$TOOL --version' printed nothing"
case "$VERLINE" in
  "curl $CURLVER "*) ;;
  *) log "WARNING: the tool says '$VERLINE'; the test data is curl $CURLVER's (runtests.pl adds --trace-config, curl >= 8.3)" ;;
esac
# servers only some tools need: SMB (impacket), TLS-SRP (gnutls-serv)
VERSION_OUT=$("$WRAP" --version 2>/dev/null || true)
if grep -qiE '^Protocols:.* smbs?( |$)' <<<"$VERSION_OUT"; then ensure_pkgs python3-impacket; fi
if grep -qE '^Features:.* TLS-SRP( |$)' <<<"$VERSION_OUT"; then ensure_pkgs gnutls-bin; fi
# SFTP/SCP: tests/sshserver.pl runs OpenSSH's sshd (scripts/sshd.sh installs
# it) and checks it with the ssh and sftp clients (openssh-client)
if grep -qiE '^Protocols:.* (scp|sftp)( |$)' <<<"$VERSION_OUT"; then
  ensure_pkgs openssh-client
  bash "$ROOT/scripts/sshd.sh" install >&2 || die "the tool speaks SFTP/SCP, and OpenSSH's sshd could not be installed"
fi
DEBUG_VERLINE=""
if [ -n "$DEBUG_TOOL" ]; then
  DEBUG_FEATURES=$("$RUN/debug/curl" --version 2>/dev/null | grep '^Features:' || true)
  DEBUG_VERLINE="$("$RUN/debug/curl" --version 2>/dev/null | head -1 || true) [debug]"
  grep -qw Debug <<<"$DEBUG_FEATURES" || die "the debug tool's --version has no Debug feature: $DEBUG_FEATURES"
fi

# The exclude file (runtests.pl -E): "type: patterns: reason", type keyword,
# test or tool; patterns are comma-separated; tool and keyword patterns are
# regexes matched case-insensitively. No blank lines (runtests.pl dies on them).
EXCL="$RUN/excludes"
{
  echo '# generated by scripts/curl-tests.sh'
  if [ -n "$LIBTESTS" ]; then
    echo 'tool:^(unit|tool):excluded: unit test program of curl internals (units, tunits), not built'
    # unittest-keyword tests without a <tool> run unit<N>; those with one
    # (lib517, lib557, lib1560) are libtests and run
    units=$(cd "$SRC/tests/data" && perl -0ne 'print "$1," if /^unittest$/m && !m{<tool>\s*lib}s && $ARGV =~ /test(\d+)$/' test*)
    [ -z "$units" ] || echo "test:${units%,}:excluded: unit test of libcurl internals (units), not built"
    # the libtests' own exclusions, each with its reason (no blank lines)
    grep -vE '^[[:space:]]*(#|$)' "$LIBTESTS_EXCLUDES" || true
  else
    echo 'tool:.:excluded: runs a native test program (libtest/unit), not the tool'
    echo 'keyword:^unittest$:excluded: unit test of libcurl internals, not the tool'
  fi
  echo "test:1013,1014,1022,1023:excluded: compares the tool with the harness build's curl-config"
} > "$EXCL"
KNOWN_LIST=""
if [ -n "$KNOWN" ]; then
  KNOWN_LIST=$(sed -e 's/#.*//' "$KNOWN" | grep -oE '^[[:space:]]*test[0-9]+' | grep -oE '[0-9]+' | sort -n | uniq | tr '\n' ' ' || true)
fi
SELECTION=()
# shellcheck disable=SC2206
[ -n "$ONLY" ] && SELECTION+=($ONLY)
SELECTION+=("${ONLY_ARGS[@]}")

# With a debug tool, the tests split in two by their <features>: those that
# need Debug or TrackMemory (a debug build only) run with it, the rest with
# the release tool; each run is given its list of test numbers, so every test
# is counted once (libtest/unit ones stay excluded in both).
DEBUG_SELECTION=()
if [ -n "$DEBUG_TOOL" ]; then
  DEBUG_TESTS=$(cd "$SRC/tests/data" && perl -ne '
      $f = 1 if m{<features>}; $f = 0 if m{</features>};
      if ($f && /^\s*(Debug|TrackMemory)\s*$/) { print "$1\n" if $ARGV =~ /^test(\d+)$/; close ARGV; $f = 0; }
      $f = 0 if eof;' test[0-9]* | sort -n)
  [ -n "$DEBUG_TESTS" ] || die "no test in tests/data needs Debug or TrackMemory?"
  read -r -a DEBUG_SELECTION <<<"$(echo $DEBUG_TESTS)"
  read -r -a SELECTION <<<"$(cd "$SRC/tests/data" && ls test[0-9]* | sed 's/^test//' | sort -n | grep -vxF -f <(echo "$DEBUG_TESTS") | paste -sd' ' -)"
fi

# --- run -----------------------------------------------------------------------
# The SSH tests log in as $USER (runtests.pl and sshserver.pl read nothing
# else), which a container's shell often leaves unset.
export USER=${USER:-$(id -un)}
# sshserver.pl refuses to run as root, and its sshd refuses root logins: as
# root (CI's containers), let it, with the test's key only (sshd's
# prohibit-password: no password is accepted). Idempotent.
if [ "$USER" = root ]; then
  sed -i -e "s/^elsif(\$username eq 'root') {$/elsif(0) {/" \
    -e "s/^push @cfgarr, 'PermitRootLogin no';$/push @cfgarr, 'PermitRootLogin prohibit-password';/" "$SRC/tests/sshserver.pl"
fi
# runtests.pl decides "threaded-resolver" from AsynchDNS alone; let an
# environment variable say otherwise (--no-resolver-thread). Idempotent.
sed -i 's/^\( *\)\$feature{"threaded-resolver"} = 1;$/\1$feature{"threaded-resolver"} = !$ENV{"CURL_TESTS_NO_RESOLVER_THREAD"};/' "$SRC/tests/runtests.pl"
if [ "$NO_RESOLVER_THREAD" = 1 ]; then export CURL_TESTS_NO_RESOLVER_THREAD=1; else unset CURL_TESTS_NO_RESOLVER_THREAD; fi
NGHTTPX_BIN=$(command -v nghttpx || true)
[ -n "$NGHTTPX_BIN" ] && export NGHTTPX="$NGHTTPX_BIN"
VCURL=/usr/bin/curl

# run_suite LOG WRAPPER CURLINFO EXCLUDES [SELECTION...]: one runtests.pl run;
# sets RC and WALL
run_suite() {
  local log=$1 wrapper=$2 curlinfo=$3 excl=$4 n; shift 4
  local args=(-c "$wrapper" -vc "$VCURL" -o "CURLINFO=$curlinfo" -n -a -E "$excl")
  [ "$JOBS" -gt 0 ] && args+=("-j$JOBS")
  [ "$RETRY" -gt 0 ] && args+=("--retry=$RETRY")
  for n in $KNOWN_LIST; do args+=("~$n"); done   # run them, but their result does not count
  if [ $# -gt 20 ]; then log "runtests.pl ${args[*]} + $# test numbers"; else log "runtests.pl ${args[*]} $*"; fi
  args+=("$@")
  cd "$SRC/tests"
  rm -rf log
  local t0; t0=$(date +%s)
  set +e
  # stdin from /dev/null: tests that want stdin get a <stdin> file from runtests.pl
  env -u CURL_HOME -u CURL_CA_BUNDLE -u SSL_CERT_FILE -u SSL_CERT_DIR -u HTTP_PROXY -u HTTPS_PROXY \
    -u ALL_PROXY -u NO_PROXY -u http_proxy -u https_proxy -u all_proxy -u no_proxy \
    -u LC_ALL -u LC_CTYPE -u LANGUAGE LANG=C.UTF-8 perl ./runtests.pl "${args[@]}" < /dev/null 2>&1 | tee "$log" | {
    if [ "$VERBOSE" = 1 ]; then cat
    else grep --line-buffered -E '^(\* |test [0-9]+ SKIPPED|TEST|IGNORED|RETRIED|FAIL|ERROR|Warning: .*(alive|ignored, but passed)|.*(FAILED|failed to start|Unknown option|OK \([0-9]*00 out of))' || true
    fi
  }
  RC=${PIPESTATUS[0]}
  set -e
  WALL=$(( $(date +%s) - t0 ))
}

LOG="$BASE/last-run.log"
DEBUG_LOG="$BASE/last-run-debug.log"
rm -f "$DEBUG_LOG"
log "tool: $TOOL"
log "      $VERLINE"
run_suite "$LOG" "$WRAP" "$RUN/curlinfo" "$EXCL" "${SELECTION[@]}"
RUNS=(release "$LOG" "$RC" "$WALL" "$VERLINE")
if [ -n "$DEBUG_TOOL" ]; then
  log "debug tool: $DEBUG_TOOL"
  if [ -n "$DEBUG_LIBTESTS" ]; then   # the libtest programs run the debug bundle now
    lt_programs "$RUN/debug/libtests"
    cp "$EXCL" "$RUN/debug/excludes"
  else   # libtests.wasm is a release build: the libtests that need Debug stay out
    { cat "$EXCL"
      echo 'tool:^lib:excluded: a libtest that needs a debug build (no --debug-libtests)'; } > "$RUN/debug/excludes"
  fi
  run_suite "$DEBUG_LOG" "$RUN/debug/curl" "$RUN/debug/curlinfo" "$RUN/debug/excludes" "${DEBUG_SELECTION[@]}"
  RUNS+=(debug "$DEBUG_LOG" "$RC" "$WALL" "$DEBUG_VERLINE")
fi

# --- summary ---------------------------------------------------------------------
status=0
LTDATA=""
[ -n "$LIBTESTS" ] && LTDATA="$SRC/tests/data"
perl - "${KNOWN:-/dev/null}" "$LTDATA" "${RUNS[@]}" <<'EOPERL' || status=$?
use strict; use warnings;
my ($knownfile, $ltdata, @runs) = @ARGV;
my %why;
if (open(my $k, '<', $knownfile)) {
  while (<$k>) { $why{$1} = $2 // '' if /^\s*test(\d+)\b\s*(?:#\s*(.*?))?\s*$/; }
  close $k;
}
my (@parsed, %sum);
while (my ($name, $log, $rc, $wall, $verline) = splice(@runs, 0, 5)) {
  my %r = (name => $name, rc => $rc, wall => $wall, verline => $verline, fail => [], kfail => [], kpass => [], skip => {});
  open(my $fh, '<', $log) or die "$log: $!";
  while (<$fh>) {
    s/\r?\n$//;
    $r{considered} = $1 if /^TESTDONE: (\d+) tests were considered/;
    if (/^TESTDONE: (\d+) tests out of (\d+) reported OK/) { @r{qw(ok total done)} = ($1, $2, 1); }
    push @{$r{fail}}, split ' ', $1 if /^TESTFAIL: These test cases failed: (.*)/;
    push @{$r{kfail}}, split ' ', $1 if /^IGNORED: failed tests: (.*)/;
    push @{$r{kpass}}, split ' ', $1 if /^IGNORED: passed tests: (.*)/;
    $r{skip}{$1} += $2 if /^TESTINFO: "(.*)" (\d+) times? \(/;
    $r{done} = 1 if /^TESTFAIL: No tests were performed/;
    $r{ran}{$1 + 0} = 1 if /^test (\d+)\.\.\.\[/;
  }
  close $fh;
  $r{$_} //= 0 for qw(ok total considered done);
  push @parsed, \%r;
}
my $tag = @parsed > 1;   # failures name their run when there are two
my %all = (fail => [], kfail => [], kpass => [], skip => {}, ok => 0, total => 0, wall => 0, considered => 0);
for my $r (@parsed) {
  my $t = $tag ? " ($r->{name})" : '';
  push @{$all{fail}}, map { "$_$t" } @{$r->{fail}};
  push @{$all{kfail}}, map { [$_, $t] } @{$r->{kfail}};
  push @{$all{kpass}}, map { "$_$t" } @{$r->{kpass}};
  $all{skip}{$_} += $r->{skip}{$_} for keys %{$r->{skip}};
  $all{$_} += $r->{$_} for qw(ok total wall considered);
}
my $nskip = 0; $nskip += $_ for values %{$all{skip}};
my %group;   # the reasons: missing/present features, our exclusions, the rest
for my $r (keys %{$all{skip}}) {
  my $g = $r =~ /^curl lacks / ? 'feature not in the tool'
        : $r =~ /^curl has /   ? 'feature present in the tool'
        : $r =~ /^excluded: /  ? 'excluded (-E)'
        : 'other';
  push @{$group{$g}}, $r;
}
my $pct = sub { my ($ok, $total) = @_; $total ? sprintf('%.1f', 100 * $ok / $total) : '0.0' };
print "\n================ curl test suite (runtests.pl) ================\n";
if ($tag) {
  for my $r (@parsed) {
    printf "%-10s %s\n", $r->{name}, $r->{verline};
    printf "           considered %d, skipped %d, eligible %d, passed %d (%s%%), failed %d, %ds\n",
      $r->{considered}, $r->{considered} - $r->{total}, $r->{total}, $r->{ok}, $pct->($r->{ok}, $r->{total}),
      $r->{total} - $r->{ok}, $r->{wall};
  }
  print "both runs, each test counted once (the debug tool runs the tests that need Debug or TrackMemory):\n";
} else {
  print "tool       $parsed[0]{verline}\n";
}
printf "considered %d, skipped %d, eligible (run) %d\n", $all{considered}, $nskip, $all{total};
printf "passed     %d / %d  (%s%% of eligible)\n", $all{ok}, $all{total}, $pct->($all{ok}, $all{total});
printf "failed     %d  (unexpected %d, known %d)\n", @{$all{fail}} + @{$all{kfail}}, scalar(@{$all{fail}}), scalar(@{$all{kfail}});
my @fail = @{$all{fail}};
if (@fail) {   # a broken tool fails them all: keep the block readable
  my @show = @fail > 150 ? (@fail[0..149], '... and ' . (@fail - 150) . ' more (see the log)') : @fail;
  print "  unexpected failures: @show\n";
}
if (@{$all{kfail}}) {
  print "  known failures:\n";
  printf "      %5d  %s%s\n", $_->[0], $why{$_->[0]} || '(no reason given)', $_->[1] for @{$all{kfail}};
}
print  "  known failures that passed (remove from the list?): @{$all{kpass}}\n" if @{$all{kpass}};
print  "skipped by reason:\n" if %{$all{skip}};
for my $g ('excluded (-E)', 'feature not in the tool', 'feature present in the tool', 'other') {
  next unless $group{$g};
  my $n = 0; $n += $all{skip}{$_} for @{$group{$g}};
  printf "  %-28s %4d\n", $g, $n;
  for my $r (sort { $all{skip}{$b} <=> $all{skip}{$a} || $a cmp $b } @{$group{$g}}) {
    printf "      %4d  %s\n", $all{skip}{$r}, $r;
  }
}
if ($ltdata) {   # of the above, the tests that run a libtest program (<tool>lib...)
  my %failed = map { (split ' ')[0] => 1 } @{$all{fail}};
  $failed{$_->[0]} = 1 for @{$all{kfail}};
  my ($lrun, $lok) = (0, 0);
  for my $n (map { keys %{$_->{ran} // {}} } @parsed) {
    open(my $t, '<', "$ltdata/test$n") or next;
    local $/; my $x = <$t>; close $t;
    next unless $x =~ m{<tool>\s*lib}s;
    $lrun++; $lok++ unless $failed{$n};
  }
  printf "libtests   %d eligible, %d passed (included above)\n", $lrun, $lok;
}
printf "wall time  %ds%s\n", $all{wall}, $tag ? ' (' . join(', ', map { "$_->{name} $_->{wall}s" } @parsed) . ')' : '';
print "================================================================\n";
my $status = 0;
for my $r (@parsed) {
  if (!$r->{done}) { print "runtests.pl did not finish ($r->{name} run, exit $r->{rc}); see the log\n"; $status = 1; }
}
if (!$all{total}) { print "no test ran\n"; $status = 1; }
exit($status || (@fail ? 1 : 0));
EOPERL
log "full log: $LOG${DEBUG_TOOL:+ (debug tool: $DEBUG_LOG)}"
exit $status
