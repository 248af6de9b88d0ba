/* The syscall ABI preserves every register but rax, rcx and r11: a call the kernel rewrote must still
   leave the guest's own argument registers in place when it returns. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static long raw3(long nr, long a, long b, long c, long *a_after, long *b_after, long *c_after) {
    long ret;
    register long r10 __asm__("r10") = 0;
    long di = a, si = b, dx = c;
    __asm__ volatile("syscall" : "=a"(ret), "+D"(di), "+S"(si), "+d"(dx) : "a"(nr), "r"(r10) : "rcx", "r11", "memory");
    *a_after = di; *b_after = si; *c_after = dx;
    return ret;
}

int main(void) {
    const char *path = "/data/text.txt";
    long a, b, c;
    long fd = raw3(257 /* openat */, AT_FDCWD, (long)path, O_RDONLY, &a, &b, &c);
    printf("openat %s; rdi %s, rsi %s, rdx %s\n", fd >= 0 ? "ok" : "failed",
           a == AT_FDCWD ? "kept" : "changed", b == (long)path ? "kept" : "changed", c == O_RDONLY ? "kept" : "changed");
    long r = raw3(62 /* kill */, getpid(), 0, 0, &a, &b, &c);
    printf("kill %ld; rdi %s\n", r, a == getpid() ? "kept" : "changed");
    return 0;
}
