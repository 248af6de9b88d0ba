/* Shared by the guest test programs: errno as its C name, so output is the same under glibc and musl. */
#include <errno.h>
#include <stdio.h>

static const char *errname(int e)
{
    switch (e) {
    case 0: return "ok";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENOEXEC: return "ENOEXEC";
    case EROFS: return "EROFS";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case ENOSYS: return "ENOSYS";
    case ETXTBSY: return "ETXTBSY";
    case EBUSY: return "EBUSY";
    case ENODATA: return "ENODATA";
    case ERANGE: return "ERANGE";
    case E2BIG: return "E2BIG";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EADDRINUSE: return "EADDRINUSE";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENXIO: return "ENXIO";
    case ENOTSOCK: return "ENOTSOCK";
    case EFBIG: return "EFBIG";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ENOTTY: return "ENOTTY";
    case ENODEV: return "ENODEV";
    case EAGAIN: return "EAGAIN";
    case EIO: return "EIO";
    default: return "E?";
    }
}

/* Prints "WHAT: ok" or "WHAT: ENAME" for a call that returned R (negative on error). */
#define CHECK(what, r) do { errno = 0; long r_ = (long)(r); printf("%s: %s\n", (what), r_ < 0 ? errname(errno) : "ok"); } while (0)
