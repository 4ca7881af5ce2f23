/* SPDX-License-Identifier: MIT */
/* The TLS record layer's AEAD, offered to the host's native crypto.
 * curl-src/patches/mbedtls/0001-aead-host-offload.patch makes mbedTLS's
 * one-shot psa_aead_encrypt()/psa_aead_decrypt() call these first; they are
 * weak there, so they take effect only in the final link (not in curl's
 * configure checks). 0: done; 1: not taken, mbedTLS runs its own code;
 * -1 (open only): the tag does not verify. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include "host.h"

int lcw_aead_seal(int alg, const uint8_t *key, size_t key_len,
                  const uint8_t *iv, size_t iv_len, const uint8_t *ad,
                  size_t ad_len, const uint8_t *in, size_t len, uint8_t *out,
                  uint8_t *tag, size_t tag_len)
{
  return host_aead_seal(alg, key, key_len, iv, iv_len, ad, ad_len, in, len,
                        out, tag, tag_len) ? 1 : 0;
}

int lcw_aead_open(int alg, const uint8_t *key, size_t key_len,
                  const uint8_t *iv, size_t iv_len, const uint8_t *ad,
                  size_t ad_len, const uint8_t *in, size_t len, uint8_t *out,
                  const uint8_t *tag, size_t tag_len)
{
  int rc = host_aead_open(alg, key, key_len, iv, iv_len, ad, ad_len, in, len,
                          out, tag, tag_len);
  return rc == 0 ? 0 : rc == -EBADMSG ? -1 : 1;
}
