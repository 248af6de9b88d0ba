/* stat, lstat, fstat, fstatat(AT_EMPTY_PATH) and statx over the same files: every field printed,
 * and statx checked against stat field by field. Runs on the same image natively, so inode
 * numbers, times and block counts match too (st_dev does not: it is printed only as "equal"). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "errnames.h"

static void print_stat(const char *what, const struct stat *st)
{
    printf("%s: mode=%o ino=%lu nlink=%lu uid=%u gid=%u size=%ld blocks=%ld blksize=%ld mtime=%ld.%09ld ctime=%ld.%09ld rdev=%u:%u\n",
           what, st->st_mode, (unsigned long)st->st_ino, (unsigned long)st->st_nlink, st->st_uid, st->st_gid,
           (long)st->st_size, (long)st->st_blocks, (long)st->st_blksize, (long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
           (long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec, major(st->st_rdev), minor(st->st_rdev));
}

static void compare(const struct stat *st, const struct statx *sx)
{
    const unsigned basic = STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_UID | STATX_GID | STATX_MTIME | STATX_INO | STATX_SIZE | STATX_BLOCKS;
    printf("  statx basic mask: %s\n", (sx->stx_mask & basic) == basic ? "yes" : "no");
    printf("  statx mode=%o nlink=%u uid=%u gid=%u size=%llu blocks=%llu mtime=%lld.%09u\n", sx->stx_mode, sx->stx_nlink,
           sx->stx_uid, sx->stx_gid, (unsigned long long)sx->stx_size, (unsigned long long)sx->stx_blocks,
           (long long)sx->stx_mtime.tv_sec, sx->stx_mtime.tv_nsec);
    int same = sx->stx_mode == st->st_mode && sx->stx_nlink == st->st_nlink && sx->stx_uid == st->st_uid
        && sx->stx_gid == st->st_gid && sx->stx_size == (unsigned long long)st->st_size && sx->stx_ino == st->st_ino
        && sx->stx_blocks == (unsigned long long)st->st_blocks && sx->stx_blksize == st->st_blksize
        && sx->stx_mtime.tv_sec == st->st_mtim.tv_sec && sx->stx_mtime.tv_nsec == st->st_mtim.tv_nsec
        && sx->stx_ctime.tv_sec == st->st_ctim.tv_sec && sx->stx_ctime.tv_nsec == st->st_ctim.tv_nsec
        && makedev(sx->stx_rdev_major, sx->stx_rdev_minor) == st->st_rdev
        && makedev(sx->stx_dev_major, sx->stx_dev_minor) == st->st_dev;
    printf("  statx equals stat: %s\n", same ? "yes" : "no");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *paths[] = { "/data/text.txt", "/data/hardlink.txt", "/data/random.bin", "/data/sparse.img",
        "/data/nested", "/data/many", "/data/links/rel", "/data/links/abs", "/data/links/dangling",
        "/data/types/fifo", "/data/types/null", "/data/exec/noexec.sh", "/bin/busybox", "/", "/data/nanos" };
    for (unsigned i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct stat st, lst;
        struct statx sx;
        printf("%s\n", paths[i]);
        if (stat(paths[i], &st) == 0) {
            print_stat(" stat", &st);
            CHECK(" statx", statx(AT_FDCWD, paths[i], 0, STATX_BASIC_STATS, &sx));
            compare(&st, &sx);
        } else {
            printf(" stat: %s\n", errname(errno));
        }
        CHECK(" lstat", lstat(paths[i], &lst));
        print_stat(" lstat", &lst);
        CHECK(" statx nofollow", statx(AT_FDCWD, paths[i], AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx));
        compare(&lst, &sx);

        int fd = open(paths[i], O_PATH | O_NOFOLLOW);
        struct stat fst;
        CHECK(" fstatat AT_EMPTY_PATH on O_PATH fd", fstatat(fd, "", &fst, AT_EMPTY_PATH));
        printf("  equals lstat: %s\n", fst.st_ino == lst.st_ino && fst.st_mode == lst.st_mode && fst.st_size == lst.st_size ? "yes" : "no");
        CHECK(" statx AT_EMPTY_PATH", statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx));
        compare(&lst, &sx);
        close(fd);
        fd = open(paths[i], O_RDONLY | O_NONBLOCK);
        if (fd >= 0) {
            CHECK(" fstat", fstat(fd, &fst));
            printf("  equals stat: %s\n", fst.st_ino == st.st_ino && fst.st_mode == st.st_mode && fst.st_size == st.st_size && fst.st_nlink == st.st_nlink ? "yes" : "no");
            close(fd);
        }
    }
    /* A pipe is the host's: these calls are answered by the host, on the descriptor alone. */
    int p[2];
    struct stat pst;
    struct statx psx;
    if (pipe(p) != 0) return 1;
    CHECK("pipe fstatat AT_EMPTY_PATH", fstatat(p[0], "", &pst, AT_EMPTY_PATH));
    printf("  fifo=%d mode=%o size=%ld\n", S_ISFIFO(pst.st_mode), pst.st_mode & 07777, (long)pst.st_size);
    CHECK("pipe statx AT_EMPTY_PATH", statx(p[0], "", AT_EMPTY_PATH, STATX_BASIC_STATS, &psx));
    printf("  fifo=%d ino equal=%d\n", S_ISFIFO(psx.stx_mode), psx.stx_ino == pst.st_ino);
    CHECK("pipe fchmodat2 AT_EMPTY_PATH", (int)syscall(452 /* fchmodat2 */, p[0], "", 0640, AT_EMPTY_PATH));
    CHECK("pipe fstat", fstat(p[0], &pst));
    printf("  mode=%o\n", pst.st_mode & 07777);
    CHECK("pipe fchownat AT_EMPTY_PATH", fchownat(p[0], "", -1, -1, AT_EMPTY_PATH));
    CHECK("pipe utimensat AT_EMPTY_PATH", utimensat(p[0], "", NULL, AT_EMPTY_PATH));
    CHECK("pipe faccessat2 AT_EMPTY_PATH R_OK|W_OK", (int)syscall(439 /* faccessat2 */, p[0], "", R_OK | W_OK, AT_EMPTY_PATH));
    CHECK("pipe faccessat2 AT_EMPTY_PATH X_OK", (int)syscall(439 /* faccessat2 */, p[0], "", X_OK, AT_EMPTY_PATH));
    close(p[0]);
    close(p[1]);

    struct stat st;
    CHECK("fstatat without AT_EMPTY_PATH", fstatat(0, "", &st, 0));
    CHECK("stat missing", stat("/data/missing", &st));
    return 0;
}
