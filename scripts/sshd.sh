#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The OpenSSH server that SFTP and SCP are tested against: Debian's
# openssh-server and openssh-sftp-server (sshd, sftp-server, ssh-keygen), for
# test/sftp.test.ts and the sftp/scp tests of curl's suite (tests/sshserver.pl).
#
#   bash scripts/sshd.sh install   installs them with apt-get when
#                                  /usr/sbin/sshd is missing (needs root)
#
# The tests start sshd themselves as a foreground child on a loopback port
# with a configuration in a temporary directory; the package's own service is
# never used, and policy-rc.d below keeps its postinst from starting it (and
# taking port 22). Run as root, sshd needs its privilege separation directory,
# which only the service's start would create.
set -euo pipefail

SSHD=/usr/sbin/sshd

install() {
  if [ ! -x "$SSHD" ] || [ ! -x /usr/lib/openssh/sftp-server ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "scripts/sshd.sh install: $SSHD is missing and installing it needs root" >&2
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
    { apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends openssh-server openssh-sftp-server \
        || { apt-get update -q && apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends openssh-server openssh-sftp-server; }
    } || rc=$?
    [ -n "$added" ] && rm -f "$policy"
    if [ "$rc" -ne 0 ]; then
      echo "scripts/sshd.sh install: apt-get failed ($rc)" >&2
      exit "$rc"
    fi
    # a service started anyway (no policy-rc.d honoured) is stopped again
    if command -v service >/dev/null 2>&1; then service ssh stop >/dev/null 2>&1 || true; fi
  fi
  if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
    mkdir -p /run/sshd && chmod 0755 /run/sshd
  fi
  echo "sshd: $("$SSHD" -V 2>&1 | head -1)"
}

case "${1:-}" in
  install) install ;;
  *)
    echo "usage: bash scripts/sshd.sh install" >&2
    exit 2
    ;;
esac
