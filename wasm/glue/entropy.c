/* SPDX-License-Identifier: MIT */
/* mbedTLS entropy sources. Built into libmbedcrypto.a (not with the other
 * glue) so that curl's configure link checks against mbedTLS succeed. */
#include <stddef.h>
#include <unistd.h>
#include <psa/crypto.h>

/* the host's CSPRNG; getentropy() serves at most 256 bytes a call */
static int host_random(unsigned char *output, size_t len)
{
  size_t done = 0;
  while(done < len) {
    size_t n = len - done > 256 ? 256 : len - done;
    if(getentropy(output + done, n))
      return -1;
    done += n;
  }
  return 0;
}

/* the legacy entropy module (curl's per-connection CTR_DRBG, libssh2) */
int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len,
                          size_t *olen)
{
  (void)data;
  if(host_random(output, len))
    return -1;
  *olen = len;
  return 0;
}

/* MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG: PSA's random bytes come straight from
 * the host's CSPRNG, drawn on first use rather than at psa_crypto_init() */
psa_status_t mbedtls_psa_external_get_random(
  mbedtls_psa_external_random_context_t *context,
  uint8_t *output, size_t output_size, size_t *output_length)
{
  (void)context;
  if(host_random(output, output_size))
    return PSA_ERROR_INSUFFICIENT_ENTROPY;
  *output_length = output_size;
  return PSA_SUCCESS;
}
