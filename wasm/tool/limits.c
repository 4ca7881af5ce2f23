/* SPDX-License-Identifier: MIT */
/* A sandbox's limits inside the tool (curl-src/patches/0010-tool-sandbox-
 * limits.patch): the header and write callbacks hand the host a transfer's
 * head or decoded body bytes so far; the host (ts/tool/worker.ts) answers
 * whether that is past the sandbox's maxHeaderBytes or maxBodyBytes, and
 * records which. Without a sandbox it answers "never". */
#include <stdbool.h>
#include <curl/curl.h>

/* kind: 0 response heads, 1 decoded body; total: the transfer's bytes */
__attribute__((import_module("curlhost"), import_name("tool_over")))
int host_tool_over(int kind, double total);

bool lcw_tool_over(int kind, curl_off_t total);

bool lcw_tool_over(int kind, curl_off_t total)
{
  return host_tool_over(kind, (double)total) != 0;
}
