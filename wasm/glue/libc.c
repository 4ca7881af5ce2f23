/* SPDX-License-Identifier: MIT */
/* libc calls that emscripten would otherwise import from its JS runtime
 * ("env"): standalone libcurl.wasm imports only the host ABI and WASI.
 * The library has no filesystem (a sandboxed transfer has nothing to escape
 * through), so the path-based calls curl may make for cookie, HSTS and
 * alt-svc files answer ENOSYS. */
#include <errno.h>
#include <stddef.h>
#include <wasi/api.h>

int getentropy(void *buf, size_t len)
{
  if(len > 256) {
    errno = EIO;
    return -1;
  }
  if(__wasi_random_get(buf, len)) {
    errno = EIO;
    return -1;
  }
  return 0;
}

/* the host re-reads memory.buffer whenever it changes */
void emscripten_notify_memory_growth(size_t index)
{
  (void)index;
}

#ifndef LCW_TOOL /* the curl tool has a real filesystem: wasm/tool/fs.c */
#define NO_FILESYSTEM(name, ...) \
  long name(__VA_ARGS__) { return -ENOSYS; }

NO_FILESYSTEM(__syscall_stat64, long path, long buf)
NO_FILESYSTEM(__syscall_lstat64, long path, long buf)
NO_FILESYSTEM(__syscall_fstat64, long fd, long buf)
NO_FILESYSTEM(__syscall_fstatat64, long dirfd, long path, long buf,
              long flags)
NO_FILESYSTEM(__syscall_getdents64, long fd, long dirp, long count)
NO_FILESYSTEM(__syscall_getcwd, long buf, long size)
NO_FILESYSTEM(__syscall_readlink, long path, long buf, long size)
NO_FILESYSTEM(__syscall_rename, long from, long to)
NO_FILESYSTEM(__syscall_unlink, long path)

/* lib/netrc.c asks for geteuid()'s home directory when $HOME is unset; the
 * library has one user (and no files to find there) */
long __syscall_geteuid32(void)
{
  return 0;
}
#endif
