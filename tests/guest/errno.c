/* errno values for path, write and exec failures on the read-only image, compared with native Linux. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "errnames.h"

static char longpath[5000];
static char longname[300];

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    memset(longname, 'x', sizeof longname - 1);
    strcpy(longpath, "/data");
    while (strlen(longpath) < sizeof longpath - 10) strcat(longpath, "/nested");

    CHECK("open missing", open("/data/missing", O_RDONLY));
    CHECK("open empty path", open("", O_RDONLY));
    CHECK("open file/x", open("/data/text.txt/x", O_RDONLY));
    CHECK("open file/", open("/data/text.txt/", O_RDONLY));
    CHECK("open symlink-to-file/", open("/data/links/chain0/", O_RDONLY));
    CHECK("open loop", open("/data/links/loop_a", O_RDONLY));
    CHECK("open loop/x", open("/data/links/loop_a/x", O_RDONLY));
    CHECK("open dangling", open("/data/links/dangling", O_RDONLY));
    CHECK("open chain of 10", open("/data/links/chain0", O_RDONLY));
    CHECK("open 5000-byte path", open(longpath, O_RDONLY));
    CHECK("open 299-byte name", open(longname, O_RDONLY));
    CHECK("stat 299-byte name", access(longname, F_OK));

    CHECK("open file O_WRONLY", open("/data/text.txt", O_WRONLY));
    CHECK("open file O_RDWR", open("/data/text.txt", O_RDWR));
    CHECK("open file O_TRUNC", open("/data/text.txt", O_RDONLY | O_TRUNC));
    CHECK("open new O_CREAT", open("/data/newfile", O_WRONLY | O_CREAT, 0644));
    CHECK("open existing O_CREAT", open("/data/text.txt", O_RDONLY | O_CREAT, 0644));
    CHECK("open existing O_CREAT|O_EXCL", open("/data/text.txt", O_WRONLY | O_CREAT | O_EXCL, 0644));
    CHECK("open dir O_WRONLY", open("/data/nested", O_WRONLY));
    CHECK("open dir O_RDONLY", open("/data/nested", O_RDONLY));
    CHECK("open missing dir/new O_CREAT", open("/data/missing/new", O_WRONLY | O_CREAT, 0644));
    CHECK("open existing dir O_CREAT", open("/data/nested", O_RDONLY | O_CREAT, 0644));
    CHECK("open dir/ O_CREAT", open("/data/nested/", O_WRONLY | O_CREAT, 0644));
    CHECK("open dangling O_CREAT", open("/data/links/dangling", O_WRONLY | O_CREAT, 0644));
    CHECK("open dangling O_CREAT|O_EXCL", open("/data/links/dangling", O_WRONLY | O_CREAT | O_EXCL, 0644));
    CHECK("open loop O_CREAT", open("/data/links/loop_a", O_WRONLY | O_CREAT, 0644));
    CHECK("open file/. ", open("/data/text.txt/.", O_RDONLY));
    CHECK("open dir/.", open("/data/nested/.", O_RDONLY));
    CHECK("open symlinked dir/.. physically", open("/data/links/dirlink/../text.txt", O_RDONLY));
    CHECK("open symlinked dir/.. (not lexically)", open("/data/links/dirlink/../top.txt", O_RDONLY));
    CHECK("openat bad fd", openat(987, "x", O_RDONLY));
    int filefd = open("/data/text.txt", O_RDONLY);
    CHECK("openat file fd", openat(filefd, "x", O_RDONLY));
    CHECK("openat file fd absolute", openat(filefd, "/data/text.txt", O_RDONLY));

    CHECK("mkdir existing", mkdir("/data/nested", 0755));
    CHECK("mkdir new", mkdir("/data/newdir", 0755));
    CHECK("mkdir in missing", mkdir("/data/missing/newdir", 0755));
    CHECK("mkdir over a dangling symlink", mkdir("/data/links/dangling", 0755));
    CHECK("mkdir with trailing slash", mkdir("/data/newdir/", 0755));
    CHECK("mkdir under a file", mkdir("/data/text.txt/newdir", 0755));
    CHECK("rmdir .", rmdir("/data/nested/."));
    CHECK("rmdir ..", rmdir("/data/nested/.."));
    CHECK("unlink with trailing slash", unlink("/data/text.txt/"));
    CHECK("rmdir non-empty", rmdir("/data/nested"));
    CHECK("rmdir file", rmdir("/data/text.txt"));
    CHECK("unlink file", unlink("/data/text.txt"));
    CHECK("unlink missing", unlink("/data/missing"));
    CHECK("unlink dir", unlink("/data/nested"));
    CHECK("symlink new", symlink("/x", "/data/newlink"));
    CHECK("symlink existing", symlink("/x", "/data/text.txt"));
    CHECK("link new", link("/data/text.txt", "/data/newhard"));
    CHECK("rename", rename("/data/text.txt", "/data/renamed"));
    CHECK("rename missing", rename("/data/missing", "/data/renamed"));
    CHECK("rename into a missing dir", rename("/data/text.txt", "/data/missing/renamed"));
    CHECK("rename into a file", rename("/data/text.txt", "/data/words/renamed"));
    CHECK("link missing", link("/data/missing", "/data/newhard"));
    CHECK("link into a missing dir", link("/data/text.txt", "/data/missing/newhard"));
    CHECK("link onto an existing name", link("/data/text.txt", "/data/words"));
    CHECK("chmod", chmod("/data/text.txt", 0600));
    CHECK("chown", chown("/data/text.txt", 1, 1));
    CHECK("truncate", truncate("/data/text.txt", 0));
    CHECK("mknod fifo", mkfifo("/data/newfifo", 0644));

    CHECK("access R_OK", access("/data/text.txt", R_OK));
    CHECK("access W_OK", access("/data/text.txt", W_OK));
    CHECK("access X_OK non-executable", access("/data/text.txt", X_OK));
    CHECK("access X_OK executable", access("/bin/busybox", X_OK));
    CHECK("access missing", access("/data/missing", F_OK));
    CHECK("chdir file", chdir("/data/text.txt"));
    CHECK("chdir missing", chdir("/data/missing"));
    char buf[64];
    CHECK("readlink of a file", readlink("/data/text.txt", buf, sizeof buf));
    CHECK("readlink missing", readlink("/data/missing", buf, sizeof buf));
    CHECK("readlink with size 0", readlink("/data/links/rel", buf, 0));
    CHECK("access through a loop", access("/data/links/loop_a", F_OK));
    CHECK("faccessat AT_SYMLINK_NOFOLLOW on a loop", faccessat(AT_FDCWD, "/data/links/loop_a", F_OK, AT_SYMLINK_NOFOLLOW));

    char *argv[] = { "x", NULL }, *envp[] = { NULL };
    CHECK("execve non-executable", execve("/data/exec/noexec.sh", argv, envp));
    CHECK("execve garbage", execve("/data/exec/garbage", argv, envp));
    CHECK("execve empty file", execve("/data/exec/empty", argv, envp));
    CHECK("execve directory", execve("/data/nested", argv, envp));
    CHECK("execve missing", execve("/data/missing", argv, envp));
    CHECK("execve file/x", execve("/data/text.txt/x", argv, envp));
    CHECK("execve loop", execve("/data/links/loop_a", argv, envp));
    CHECK("execve script with missing interpreter", execve("/data/exec/badinterp.sh", argv, envp));
    return 0;
}
