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
# never used, and scripts/apt-install.sh keeps its postinst from starting it
# (and taking port 22). Run as root, sshd needs its privilege separation directory,
# which only the service's start would create.
set -euo pipefail

SSHD=/usr/sbin/sshd

# shellcheck source=scripts/apt-install.sh
. "$(dirname "$0")/apt-install.sh"

install() {
  if [ ! -x "$SSHD" ] || [ ! -x /usr/lib/openssh/sftp-server ]; then
    apt_install_quietly ssh openssh-server openssh-sftp-server
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
