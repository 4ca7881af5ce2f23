/* SPDX-License-Identifier: MIT */
/* POSIX socket calls as the host bridge serves them. In standalone wasm,
 * emscripten's libc has no sockets, and fcntl/ioctl/setsockopt are stubs
 * that silently do nothing; these definitions replace them. Host sockets
 * are always non-blocking: waiting happens in the host's event loop. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

#include "host.h"

static int check(int r)
{
  if(r < 0) {
    errno = -r;
    return -1;
  }
  return r;
}

static int is_host_fd(int fd)
{
  return fd >= HOST_FD_BASE;
}

#ifdef LCW_TOOL
/* Programs that may block (the tool, curl's libtests) get POSIX's blocking
 * connect() on sockets they did not make non-blocking (libtest 1960 hands
 * curl a socket it connected itself); curl makes all of its own
 * non-blocking. Host sockets stay non-blocking underneath. */
#define BLOCKING_FDS 1024
static unsigned char blocking[BLOCKING_FDS];

static void set_blocking(int fd, int on)
{
  if(is_host_fd(fd) && fd - HOST_FD_BASE < BLOCKING_FDS)
    blocking[fd - HOST_FD_BASE] = (unsigned char)on;
}

static int is_blocking(int fd)
{
  return is_host_fd(fd) && fd - HOST_FD_BASE < BLOCKING_FDS &&
         blocking[fd - HOST_FD_BASE];
}
#else
#define set_blocking(fd, on) ((void)(fd), (void)(on))
#define is_blocking(fd) ((void)(fd), 0)
#endif

int socket(int domain, int type, int protocol)
{
  int fd = check(host_sock_open(domain,
                                type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC),
                                protocol));
  if(fd >= 0)
    set_blocking(fd, !(type & SOCK_NONBLOCK));
  return fd;
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
  int rc = host_sock_connect(fd, addr, len);
  if(rc == -EINPROGRESS && is_blocking(fd)) {
    struct pollfd p;
    int err = 0;
    socklen_t errlen = sizeof(err);
    p.fd = fd;
    p.events = POLLOUT;
    p.revents = 0;
    rc = host_sock_wait(&p, 1, -1);
    if(rc >= 0)
      rc = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) ? -errno
                                                                : -err;
  }
  return check(rc);
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
  return check(host_sock_bind(fd, addr, len));
}

int listen(int fd, int backlog)
{
  return check(host_sock_listen(fd, backlog));
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
  return check(host_sock_accept(fd, addr, len));
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
  (void)flags;
  return accept(fd, addr, len);
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
  return check(host_sock_name(fd, 0, addr, len));
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
  return check(host_sock_name(fd, 1, addr, len));
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
  return check(host_sock_getopt(fd, level, name, val, len));
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
  return check(host_sock_setopt(fd, level, name, val, len));
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
  return check(host_sock_recv(fd, buf, len, flags));
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
  return check(host_sock_send(fd, buf, len, flags));
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
                 struct sockaddr *addr, socklen_t *alen)
{
  if(!addr || !alen) {
    addr = NULL;
    alen = NULL;
  }
  return check(host_sock_recvfrom(fd, buf, len, flags, addr, alen));
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
               const struct sockaddr *addr, socklen_t alen)
{
  return check(host_sock_sendto(fd, buf, len, flags, addr, addr ? alen : 0));
}

int shutdown(int fd, int how)
{
  return check(host_sock_shutdown(fd, how));
}

int close(int fd)
{
  if(is_host_fd(fd)) {
    set_blocking(fd, 0);
    return check(host_sock_close(fd));
  }
  return check(-(int)__wasi_fd_close(fd));
}

/* patched curl code (ftp_done) asks whether waiting here can ever end */
int lcw_can_block(void)
{
#ifdef LCW_TOOL
  return 1;
#else
  return 0;
#endif
}

#ifndef LCW_TOOL
/* Never blocks: the host answers readiness as it is now. Blocking waits
 * belong to the host's event loop (curl_multi_socket_action). */
int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
  (void)timeout;
  return check(host_sock_poll(fds, nfds));
}

/* curl sleeps with select(0, ...): there is nothing to sleep on here */
int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
  (void)r;
  (void)w;
  (void)e;
  (void)tv;
  if(nfds)
    return check(-ENOSYS);
  return 0;
}
#else
/* The tool (curl_easy_perform, curl_multi_poll) blocks like a process
 * does: the launcher's worker waits while the main thread polls. */
int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
  return check(host_sock_wait(fds, nfds, timeout));
}

/* select() as poll() on the host descriptors in the sets (the tool waits
 * for stdin with it, curl's libtests for curl_multi_fdset's sockets);
 * anything else is a WASI file, always ready as in poll(). */
int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
  struct pollfd p[FD_SETSIZE - HOST_FD_BASE];
  int fd, n = 0, files = 0, i, rc;
  int ms = tv ? (int)(tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000) : -1;
  if(nfds > FD_SETSIZE)
    nfds = FD_SETSIZE;
  for(fd = 0; fd < nfds; fd++) {
    short ev = (short)(((r && FD_ISSET(fd, r)) ? POLLIN : 0) |
                       ((w && FD_ISSET(fd, w)) ? POLLOUT : 0) |
                       ((e && FD_ISSET(fd, e)) ? POLLPRI : 0));
    if(!ev)
      continue;
    if(!is_host_fd(fd)) {
      files++;
      continue;
    }
    p[n].fd = fd;
    p[n].events = ev;
    p[n].revents = 0;
    n++;
  }
  rc = check(host_sock_wait(n ? p : NULL, (unsigned)n, files ? 0 : ms));
  if(rc < 0)
    return rc;
  rc = 0;
  for(fd = 0; fd < nfds; fd++) {
    if(is_host_fd(fd))
      continue;
    rc += (r && FD_ISSET(fd, r)) + (w && FD_ISSET(fd, w));
    if(e)
      FD_CLR(fd, e);
  }
  for(i = 0; i < n; i++) {
    short re = p[i].revents;
    if(r && FD_ISSET(p[i].fd, r) && !(re & (POLLIN | POLLHUP | POLLERR)))
      FD_CLR(p[i].fd, r);
    if(w && FD_ISSET(p[i].fd, w) && !(re & (POLLOUT | POLLHUP | POLLERR)))
      FD_CLR(p[i].fd, w);
    if(e && FD_ISSET(p[i].fd, e) && !(re & POLLPRI))
      FD_CLR(p[i].fd, e);
    rc += (r && FD_ISSET(p[i].fd, r)) + (w && FD_ISSET(p[i].fd, w)) +
          (e && FD_ISSET(p[i].fd, e));
  }
  return rc;
}

/* sleep(), usleep() (libtests 1515, 1542): emscripten's nanosleep spins on
 * its clock, which never returns in the worker; wait on nothing instead */
int nanosleep(const struct timespec *req, struct timespec *rem)
{
  long long ms;
  if(!req || req->tv_nsec < 0 || req->tv_nsec > 999999999L ||
     req->tv_sec < 0) {
    errno = EINVAL;
    return -1;
  }
  ms = (long long)req->tv_sec * 1000 + (req->tv_nsec + 999999) / 1000000;
  if(rem) {
    rem->tv_sec = 0;
    rem->tv_nsec = 0;
  }
  return check(host_sock_wait(NULL, 0, ms > INT_MAX ? INT_MAX : (int)ms)) < 0
         ? -1 : 0;
}
#endif

int fcntl(int fd, int cmd, ...)
{
  if(cmd == F_GETFL)
    return is_host_fd(fd) && !is_blocking(fd) ? (O_RDWR | O_NONBLOCK)
                                               : O_RDWR;
#ifdef LCW_TOOL
  if(cmd == F_SETFL) {
    va_list ap;
    int flags;
    va_start(ap, cmd);
    flags = va_arg(ap, int);
    va_end(ap);
    set_blocking(fd, !(flags & O_NONBLOCK));
  }
#endif
  return 0; /* O_NONBLOCK, FD_CLOEXEC: host sockets already are */
}

int ioctl(int fd, int req, ...)
{
  (void)fd;
  if(req == FIONBIO) {
#ifdef LCW_TOOL
    va_list ap;
    int *on;
    va_start(ap, req);
    on = va_arg(ap, int *);
    va_end(ap);
    set_blocking(fd, !(on && *on));
#endif
    return 0;
  }
  return check(-ENOTTY);
}
