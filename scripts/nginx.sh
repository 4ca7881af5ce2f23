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
# package's own service is never used (scripts/apt-install.sh keeps it from starting).
set -euo pipefail

NGINX=/usr/sbin/nginx

# shellcheck source=scripts/apt-install.sh
. "$(dirname "$0")/apt-install.sh"

install() {
  [ -x "$NGINX" ] || apt_install_quietly nginx nginx-light
  echo "nginx: $("$NGINX" -v 2>&1)"
}

case "${1:-}" in
  install) install ;;
  *)
    echo "usage: bash scripts/nginx.sh install" >&2
    exit 2
    ;;
esac
