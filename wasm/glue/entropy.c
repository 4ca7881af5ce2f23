/* SPDX-License-Identifier: MIT */
/* mbedTLS entropy source. Built into libmbedcrypto.a (not with the other
 * glue) so that curl's configure link checks against mbedTLS succeed. */
#include <stddef.h>
#include <unistd.h>

int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len,
                          size_t *olen)
{
  size_t done = 0;
  (void)data;
  while(done < len) {
    /* getentropy() serves at most 256 bytes a call */
    size_t n = len - done > 256 ? 256 : len - done;
    if(getentropy(output + done, n))
      return -1;
    done += n;
  }
  *olen = len;
  return 0;
}
