/* SPDX-License-Identifier: MIT */
/* The curl tool's filesystem: emscripten's standalone libc would answer
 * open() with EPERM and import the other path calls from its JS runtime.
 * Here they go to WASI: the launcher preopens "/" (the real root) and puts
 * the real working directory in PWD, so relative paths are resolved against
 * it and every path is opened beneath the "/" preopen. The library build
 * has none of this (wasm/glue/libc.c answers ENOSYS). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <wasi/api.h>

static int root_fd = -1;
/* where each open directory's listing stands (getdents64) */
#define DIR_FDS 256
static __wasi_dircookie_t dir_cookie[DIR_FDS];
/* what files under the root may do: asking for more is ENOTCAPABLE */
static __wasi_rights_t rights;

/* the preopened directory named "/" */
static int root(void)
{
  __wasi_prestat_t pre;
  char name[2];
  int fd;
  if(root_fd >= 0)
    return root_fd;
  for(fd = 3; !__wasi_fd_prestat_get(fd, &pre); fd++) {
    if(pre.pr_type == __WASI_PREOPENTYPE_DIR && pre.u.dir.pr_name_len == 1 &&
       !__wasi_fd_prestat_dir_name(fd, (uint8_t *)name, 1) && name[0] == '/') {
      __wasi_fdstat_t st;
      if(__wasi_fd_fdstat_get(fd, &st))
        return -1;
      rights = st.fs_rights_inheriting;
      return root_fd = fd;
    }
  }
  return -1;
}

/* `path` relative to the root preopen, in `out` (PATH_MAX): absolute paths
 * lose their leading slashes, relative ones are joined to PWD first */
static int resolve(const char *path, char *out)
{
  const char *cwd = getenv("PWD");
  size_t n;
  if(!path || !*path)
    return -ENOENT;
  if(path[0] == '/' || !cwd || cwd[0] != '/')
    n = (size_t)snprintf(out, PATH_MAX, "%s", path);
  else
    n = (size_t)snprintf(out, PATH_MAX, "%s/%s", cwd, path);
  if(n >= PATH_MAX)
    return -ENAMETOOLONG;
  while(out[0] == '/')
    memmove(out, out + 1, strlen(out));
  if(!out[0])
    strcpy(out, ".");
  return root() < 0 ? -ENOENT : 0;
}

long __syscall_open(long path, long flags, ...)
{
  char rel[PATH_MAX];
  __wasi_oflags_t oflags = 0;
  __wasi_fdflags_t fdflags = 0;
  __wasi_rights_t base;
  __wasi_fd_t fd;
  int r = resolve((const char *)path, rel);
  if(r)
    return r;
  if(flags & O_CREAT)
    oflags |= __WASI_OFLAGS_CREAT;
  if(flags & O_EXCL)
    oflags |= __WASI_OFLAGS_EXCL;
  if(flags & O_TRUNC)
    oflags |= __WASI_OFLAGS_TRUNC;
  if(flags & O_DIRECTORY)
    oflags |= __WASI_OFLAGS_DIRECTORY;
  if(flags & O_APPEND)
    fdflags |= __WASI_FDFLAGS_APPEND;
  /* the runtime derives O_RDONLY/O_WRONLY/O_RDWR from the rights asked for:
     ask for exactly what the access mode needs (a directory or a read-only
     file cannot be opened for writing) */
  base = rights;
  if((flags & O_ACCMODE) == O_RDONLY)
    base &= ~(__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_DATASYNC |
              __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE);
  else if((flags & O_ACCMODE) == O_WRONLY)
    base &= ~(__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_READDIR);
  r = __wasi_path_open(root_fd,
                       (flags & O_NOFOLLOW) ? 0 : __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW,
                       rel, strlen(rel), oflags, base, rights,
                       fdflags, &fd);
  if(!r && fd < DIR_FDS)
    dir_cookie[fd] = 0; /* a fresh listing for readdir() */
  return r ? -r : (long)fd;
}

/* a WASI file type as the S_IF* bits of st_mode (0: unknown) */
static mode_t type_mode(__wasi_filetype_t type)
{
  static const mode_t types[] = {
    [__WASI_FILETYPE_BLOCK_DEVICE] = S_IFBLK,
    [__WASI_FILETYPE_CHARACTER_DEVICE] = S_IFCHR,
    [__WASI_FILETYPE_DIRECTORY] = S_IFDIR,
    [__WASI_FILETYPE_REGULAR_FILE] = S_IFREG,
    [__WASI_FILETYPE_SOCKET_DGRAM] = S_IFSOCK,
    [__WASI_FILETYPE_SOCKET_STREAM] = S_IFSOCK,
    [__WASI_FILETYPE_SYMBOLIC_LINK] = S_IFLNK,
  };
  return type < sizeof(types) / sizeof(types[0]) ? types[type] : 0;
}

static void to_stat(const __wasi_filestat_t *f, struct stat *st)
{
  memset(st, 0, sizeof(*st));
  st->st_dev = (dev_t)f->dev;
  st->st_ino = (ino_t)f->ino;
  st->st_nlink = (nlink_t)f->nlink;
  st->st_size = (off_t)f->size;
  /* WASI has no permission bits: say what a user's own file would have */
  st->st_mode = type_mode(f->filetype) |
                (f->filetype == __WASI_FILETYPE_DIRECTORY ? 0755 : 0644);
  st->st_blksize = 4096;
  st->st_blocks = (blkcnt_t)((f->size + 511) / 512);
  st->st_atim.tv_sec = (time_t)(f->atim / 1000000000);
  st->st_atim.tv_nsec = (long)(f->atim % 1000000000);
  st->st_mtim.tv_sec = (time_t)(f->mtim / 1000000000);
  st->st_mtim.tv_nsec = (long)(f->mtim % 1000000000);
  st->st_ctim.tv_sec = (time_t)(f->ctim / 1000000000);
  st->st_ctim.tv_nsec = (long)(f->ctim % 1000000000);
}

static long path_stat(const char *path, struct stat *st, int follow)
{
  char rel[PATH_MAX];
  __wasi_filestat_t f;
  int r = resolve(path, rel);
  if(r)
    return r;
  r = __wasi_path_filestat_get(root_fd,
                               follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0,
                               rel, strlen(rel), &f);
  if(r)
    return -r;
  to_stat(&f, st);
  return 0;
}

long __syscall_stat64(long path, long buf)
{
  return path_stat((const char *)path, (struct stat *)buf, 1);
}

long __syscall_lstat64(long path, long buf)
{
  return path_stat((const char *)path, (struct stat *)buf, 0);
}

long __syscall_fstatat64(long dirfd, long path, long buf, long flags)
{
  if(dirfd != AT_FDCWD && ((const char *)path)[0] != '/')
    return -ENOSYS;
  return path_stat((const char *)path, (struct stat *)buf,
                   !(flags & AT_SYMLINK_NOFOLLOW));
}

long __syscall_fstat64(long fd, long buf)
{
  __wasi_filestat_t f;
  int r = __wasi_fd_filestat_get((__wasi_fd_t)fd, &f);
  if(r)
    return -r;
  to_stat(&f, (struct stat *)buf);
  return 0;
}

long __syscall_ftruncate64(long fd, long low, long high)
{
  uint64_t size = ((uint64_t)(uint32_t)high << 32) | (uint32_t)low;
  return -(long)__wasi_fd_filestat_set_size((__wasi_fd_t)fd, size);
}

long __syscall_unlink(long path)
{
  char rel[PATH_MAX];
  int r = resolve((const char *)path, rel);
  return r ? r : -(long)__wasi_path_unlink_file(root_fd, rel, strlen(rel));
}

long __syscall_rename(long from, long to)
{
  char a[PATH_MAX], b[PATH_MAX];
  int r = resolve((const char *)from, a);
  if(!r)
    r = resolve((const char *)to, b);
  return r ? r : -(long)__wasi_path_rename(root_fd, a, strlen(a), root_fd, b,
                                           strlen(b));
}

long __syscall_mkdir(long path, long mode)
{
  char rel[PATH_MAX];
  int r = resolve((const char *)path, rel);
  (void)mode;
  return r ? r : -(long)__wasi_path_create_directory(root_fd, rel,
                                                     strlen(rel));
}

long __syscall_readlink(long path, long buf, long size)
{
  char rel[PATH_MAX];
  __wasi_size_t used;
  int r = resolve((const char *)path, rel);
  if(r)
    return r;
  r = __wasi_path_readlink(root_fd, rel, strlen(rel), (uint8_t *)buf,
                           (__wasi_size_t)size, &used);
  return r ? -r : (long)used;
}

/* --remote-time: set the file's times as the server gave them */
long __syscall_utimensat(long dirfd, long path, long times, long flags)
{
  const struct timespec *ts = (const struct timespec *)times;
  char rel[PATH_MAX];
  int r;
  if(dirfd != AT_FDCWD || !path || !ts)
    return -ENOSYS;
  r = resolve((const char *)path, rel);
  if(r)
    return r;
  return -(long)__wasi_path_filestat_set_times(
    root_fd, (flags & AT_SYMLINK_NOFOLLOW) ? 0 :
    __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, rel, strlen(rel),
    (uint64_t)ts[0].tv_sec * 1000000000 + (uint64_t)ts[0].tv_nsec,
    (uint64_t)ts[1].tv_sec * 1000000000 + (uint64_t)ts[1].tv_nsec,
    __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM);
}

long __syscall_getcwd(long buf, long size)
{
  const char *cwd = getenv("PWD");
  size_t n;
  if(!cwd || cwd[0] != '/')
    cwd = "/";
  n = strlen(cwd) + 1;
  if((size_t)size < n)
    return -ERANGE;
  memcpy((char *)buf, cwd, n);
  return (long)n;
}

/* one user: the tool never changes identity */
long __syscall_geteuid32(void)
{
  return 0;
}

/* freopen() (curl --stderr FILE) opens the file and dup3()s it onto the
 * stream's descriptor. WASI has no dup, but fd_renumber moves `fd` onto `to`,
 * which is what freopen needs: it closes `fd` right after anyway. */
long __syscall_dup3(long fd, long to, long flags)
{
  (void)flags;
  if(fd == to)
    return -EINVAL;
  return __wasi_fd_renumber((__wasi_fd_t)fd, (__wasi_fd_t)to) ? -EBADF : to;
}

/* a second descriptor for the same file (libtests 518, 537): WASI has none */
long __syscall_dup(long fd)
{
  (void)fd;
  return -ENOSYS;
}

long __syscall_pipe(long fds)
{
  (void)fds;
  return -ENOSYS;
}

/* readdir() (file:// directory listings): Linux dirent64 records from WASI's
 * fd_readdir, resuming at the cookie after the last record handed out */
struct linux_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

long __syscall_getdents64(long fd, long dirp, long count)
{
  unsigned char raw[4096];
  __wasi_size_t used, at = 0;
  long out = 0;
  int r;
  if(fd < 0 || fd >= DIR_FDS)
    return -EBADF;
  r = __wasi_fd_readdir((__wasi_fd_t)fd, raw, sizeof(raw), dir_cookie[fd],
                        &used);
  if(r)
    return -r;
  while(at + sizeof(__wasi_dirent_t) <= used) {
    __wasi_dirent_t e;
    struct linux_dirent64 *d = (struct linux_dirent64 *)((char *)dirp + out);
    size_t reclen;
    memcpy(&e, raw + at, sizeof(e));
    if(at + sizeof(e) + e.d_namlen > used)
      break; /* name cut off: read it again next time */
    reclen = (sizeof(*d) + e.d_namlen + 1 + 7) & ~(size_t)7;
    if(out + (long)reclen > count)
      break;
    d->d_ino = e.d_ino;
    d->d_off = (int64_t)e.d_next;
    d->d_reclen = (unsigned short)reclen;
    d->d_type = (unsigned char)IFTODT(type_mode(e.d_type)); /* DT_UNKNOWN is 0 */
    memcpy(d->d_name, raw + at + sizeof(e), e.d_namlen);
    d->d_name[e.d_namlen] = 0;
    out += (long)reclen;
    dir_cookie[fd] = e.d_next;
    at += sizeof(e) + e.d_namlen;
  }
  if(!out && at < used)
    return -EINVAL; /* the caller's buffer cannot hold one record */
  return out;
}
