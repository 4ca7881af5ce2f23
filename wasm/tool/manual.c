/* SPDX-License-Identifier: MIT */
/* curl's manual for --manual (-M) and --help <option>, without the text in
 * curl.wasm: hugehelp() and showhelp() (tool_hugehelp.h) as curl's own
 * generated src/tool_hugehelp.c defines them, over the text the host reads
 * from curl-manual.txt.gz beside curl.wasm (curlhost.manual_read, answered
 * by ts/tool/cli.ts). build.sh makes that file with curl's own scripts
 * (managen, mkhelp.pl -c): the gzip stream a native curl embeds. */
#include "tool_setup.h"
#include "tool_help.h"
#include "tool_hugehelp.h"

/* copies up to cap bytes of the manual from offset into buf; answers how
 * many (0 at the end), or -errno when the host has no manual */
__attribute__((import_module("curlhost"), import_name("manual_read")))
int host_manual_read(unsigned offset, char *buf, unsigned cap);

static unsigned char chunk[16384];

/* each chunk of the manual to fn until it answers FALSE; FALSE when the
 * host has no manual */
static bool each_chunk(bool (*fn)(const unsigned char *, size_t, void *),
                       void *arg)
{
  unsigned offset = 0;
  int n;
  while((n = host_manual_read(offset, (char *)chunk, sizeof(chunk))) > 0) {
    if(!fn(chunk, (size_t)n, arg))
      return TRUE;
    offset += (unsigned)n;
  }
  if(n < 0)
    fputs("curl: the manual (curl-manual.txt.gz beside curl.wasm) "
          "is missing\n", tool_stderr);
  return n == 0;
}

static bool print(const unsigned char *buf, size_t len, void *arg)
{
  (void)arg;
  return fwrite(buf, 1, len, stdout) == len;
}

static bool scan(const unsigned char *buf, size_t len, void *ctx)
{
  return helpscan(buf, len, ctx);
}

void hugehelp(void)
{
  (void)each_chunk(print, NULL);
}

/* Show the help text for the 'arg' curl argument on stdout */
void showhelp(const char *trigger, const char *arg, const char *endarg)
{
  struct scan_ctx ctx;
  inithelpscan(&ctx, trigger, arg, endarg);
  (void)each_chunk(scan, &ctx);
}
