/* SPDX-License-Identifier: MIT */
/* curl's IDN backend USE_HOST_IDN (curl-src/patches/0008-host-idn.patch):
 * the host's UTS #46 mapping, the one the sandbox judges names in. */
#include <stddef.h>
#include <limits.h>
#include "host.h"

int lcw_idn_convert(int to_unicode, const char *in, char *out,
                    size_t outlen)
{
  return host_idn_convert(to_unicode, in, out,
                          outlen > UINT_MAX ? UINT_MAX : (unsigned)outlen);
}
