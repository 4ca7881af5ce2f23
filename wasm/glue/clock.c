/* SPDX-License-Identifier: MIT */
/* curl reads the monotonic clock ~20 times per request (curlx_now). Through
 * WASI each read is a clock_time_get call whose i64 argument JavaScript
 * receives as a fresh BigInt, and whose u64 answer is written to memory;
 * and curl asks for CLOCK_MONOTONIC_RAW first, which WASI refuses, then
 * CLOCK_MONOTONIC. libcurl.wasm is linked with --wrap=clock_gettime: both
 * monotonic clocks are one host call answering a double (host.h clock_ms),
 * every other clock goes to WASI as before. */
#include <stdint.h>
#include <time.h>

#include "host.h"

int __real_clock_gettime(clockid_t clk, struct timespec *ts);

int __wrap_clock_gettime(clockid_t clk, struct timespec *ts)
{
  if(clk == CLOCK_MONOTONIC || clk == CLOCK_MONOTONIC_RAW) {
    int64_t us = (int64_t)(host_clock_ms() * 1000.0);
    ts->tv_sec = (time_t)(us / 1000000);
    ts->tv_nsec = (long)(us % 1000000) * 1000;
    return 0;
  }
  return __real_clock_gettime(clk, ts);
}
