#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Regenerates the TLS test PKI and the zstd fixture in test/fixtures/.
# Run once by hand (needs the openssl and zstd CLIs); the output is committed,
# so the tests need neither tool.  Keys are fresh on every run; names, subjects,
# serials, extensions and validity dates are fixed:
#
#   certs/ca.pem, ca-key.pem            test root CA, EC P-256,
#                                       2000-01-01 .. 2126-01-01
#   certs/server.pem, server-key.pem    signed by ca: DNS:localhost, *.test.local,
#                                       a.test, b.test, IP:127.0.0.1, ::1
#                                       2020-01-01 .. 2120-01-01
#   certs/wronghost.pem, -key.pem       signed by ca, only DNS:wrong.example
#   certs/expired.pem, -key.pem         signed by ca, localhost + 127.0.0.1,
#                                       2000-01-01 .. 2001-01-01 (long expired)
#   certs/other-ca.pem                  a second root the tests never trust
#   certs/untrusted.pem, -key.pem       signed by other-ca, localhost + 127.0.0.1
#   payload.zst                         "compressible payload " x 1000, made with
#                                       `zstd -19` (Node 20 has no zstd encoder)
#
# OpenSSL 3.0's `x509 -req` has no -not_before/-not_after (they came in 3.4),
# so every certificate is issued by `openssl ca -startdate/-enddate` from a
# throw-away database.  Dates are pinned (not "now") so a machine whose clock
# is a little behind never sees a not-yet-valid certificate.  Leaves are
# X.509 v3, ecdsa-with-SHA256, with basicConstraints, keyUsage
# digitalSignature, extendedKeyUsage serverAuth and subjectAltName, as mbedTLS
# 3.6 wants them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FIX="$ROOT/test/fixtures"
OUT="$FIX/certs"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
mkdir -p "$OUT" "$T/db"
: > "$T/db/index.txt"

leaf() { # section subjectAltName
  printf '[%s]\nbasicConstraints = critical, CA:FALSE\n' "$1"
  printf 'keyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\n'
  printf 'subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n'
  printf 'subjectAltName = %s\n\n' "$2"
}
{
  printf '[ca_ext]\nbasicConstraints = critical, CA:TRUE\n'
  printf 'keyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n\n'
  leaf server_ext 'DNS:localhost, DNS:*.test.local, DNS:a.test, DNS:b.test, IP:127.0.0.1, IP:::1'
  leaf wronghost_ext 'DNS:wrong.example'
  leaf localhost_ext 'DNS:localhost, IP:127.0.0.1'
} > "$T/ext.cnf"
cat > "$T/ca.cnf" <<CNF
[req]
distinguished_name = dn
[dn]
[ca]
default_ca = test_ca
[test_ca]
database = $T/db/index.txt
new_certs_dir = $T/db
serial = $T/db/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
organizationName = optional
commonName = supplied
CNF

# issue NAME CN EXT-SECTION SIGNER SERIAL START END  (SIGNER=self: self-signed)
issue() {
  local name=$1 cn=$2 ext=$3 signer=$4 serial=$5 start=$6 end=$7 sign
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -pkeyopt ec_param_enc:named_curve -out "$T/$name-key.pem"
  openssl req -new -sha256 -config "$T/ca.cnf" -key "$T/$name-key.pem" \
    -subj "/O=libcurl-wasm tests/CN=$cn" -out "$T/$name.csr"
  if [ "$signer" = self ]; then
    sign=(-selfsign -keyfile "$T/$name-key.pem")
  else
    sign=(-cert "$T/$signer.pem" -keyfile "$T/$signer-key.pem")
  fi
  echo "$serial" > "$T/db/serial"
  openssl ca -batch -notext -preserveDN -config "$T/ca.cnf" "${sign[@]}" \
    -extfile "$T/ext.cnf" -extensions "$ext" -startdate "$start" -enddate "$end" \
    -in "$T/$name.csr" -out "$T/$name.pem" 2>/dev/null
}
issue ca        "libcurl-wasm test root CA"  ca_ext        self     1000 20000101000000Z 21260101000000Z
issue other-ca  "libcurl-wasm untrusted CA"  ca_ext        self     2000 20000101000000Z 21260101000000Z
issue server    localhost                    server_ext    ca       1001 20200101000000Z 21200101000000Z
issue wronghost wrong.example                wronghost_ext ca       1002 20200101000000Z 21200101000000Z
issue expired   localhost                    localhost_ext ca       1003 20000101000000Z 20010101000000Z
issue untrusted localhost                    localhost_ext other-ca 2001 20200101000000Z 21200101000000Z

for f in ca ca-key other-ca server server-key wronghost wronghost-key \
         expired expired-key untrusted untrusted-key; do
  cp "$T/$f.pem" "$OUT/$f.pem"
done
chmod 644 "$OUT"/*.pem

# check CERT CAFILE ok|fail [openssl verify options]
check() {
  local cert=$1 ca=$2 want=$3 got=fail; shift 3
  openssl verify -x509_strict -purpose sslserver -CAfile "$OUT/$ca" "$@" \
    "$OUT/$cert" >/dev/null 2>&1 && got=ok
  [ "$got" = "$want" ] || { echo "verify $cert with $ca: $got, wanted $want" >&2; exit 1; }
}
check server.pem    ca.pem       ok
check wronghost.pem ca.pem       ok
check expired.pem   ca.pem       fail                   # expired today,
check expired.pem   ca.pem       ok -attime 978000000   # valid in Dec 2000
check untrusted.pem ca.pem       fail
check untrusted.pem other-ca.pem ok
openssl x509 -noout -subject -dates -in "$OUT/expired.pem"

for _ in $(seq 1000); do printf 'compressible payload '; done > "$T/payload.txt"
zstd -q -19 -f "$T/payload.txt" -o "$FIX/payload.zst"
echo "wrote $OUT/*.pem and $FIX/payload.zst"
