#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The nginx that test/interop/ runs against: Debian's nginx-light (HTTP/1.1,
# HTTP/2, TLS 1.2 and 1.3, gzip, and the echo module the upload endpoint uses).
#
#   bash scripts/nginx.sh install   installs nginx-light with apt-get when
#                                   /usr/sbin/nginx is missing (needs root)
#
# The tests start nginx themselves (test/interop/nginx.ts) as a foreground
# child on loopback ports with a configuration in a temporary directory; the
# package's own service is never used. Debian's postinst may try to start it;
# policy-rc.d below keeps it from doing so where the package is installed here.
set -euo pipefail

NGINX=/usr/sbin/nginx

install() {
  if [ -x "$NGINX" ]; then
    echo "nginx: $("$NGINX" -v 2>&1)"
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/nginx.sh install: $NGINX is missing and installing it needs root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # keep the package's service from starting (and from taking port 80)
  local policy=/usr/sbin/policy-rc.d added=''
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod +x "$policy"
    added=1
  fi
  local rc=0
  { apt-get update -q && apt-get install -y -q --no-install-recommends nginx-light; } || rc=$?
  [ -n "$added" ] && rm -f "$policy"
  if [ "$rc" -ne 0 ]; then
    echo "scripts/nginx.sh install: apt-get failed ($rc)" >&2
    exit "$rc"
  fi
  # a service started anyway (no policy-rc.d honoured) is stopped again
  if command -v service >/dev/null 2>&1; then service nginx stop >/dev/null 2>&1 || true; fi
  echo "nginx: $("$NGINX" -v 2>&1)"
}

case "${1:-}" in
  install) install ;;
  *)
    echo "usage: bash scripts/nginx.sh install" >&2
    exit 2
    ;;
esac
