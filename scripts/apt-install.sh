# SPDX-License-Identifier: MIT
# Sourced by scripts/nginx.sh and scripts/sshd.sh: installs Debian packages whose
# daemons the tests start themselves, never as the package's service.
#
#   apt_install_quietly SERVICE PACKAGE...
#
# Needs root. policy-rc.d keeps the packages' postinst from starting SERVICE
# (and taking its port); a service started anyway is stopped again. apt's
# lists are refreshed only when the first attempt cannot find the packages.
apt_install_quietly() {
  local service=$1 caller=${0#"$(dirname "$0")/"}
  shift
  if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/$caller install: installing $* needs root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  local policy=/usr/sbin/policy-rc.d added=''
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod +x "$policy"
    added=1
  fi
  local rc=0
  { apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "$@" \
      || { apt-get update -q && apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "$@"; }
  } || rc=$?
  [ -n "$added" ] && rm -f "$policy"
  if [ "$rc" -ne 0 ]; then
    echo "scripts/$caller install: apt-get failed ($rc)" >&2
    exit "$rc"
  fi
  if command -v service >/dev/null 2>&1; then service "$service" stop >/dev/null 2>&1 || true; fi
}
