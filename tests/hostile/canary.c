/* The host canary of HostileGuestTests: compiled natively and run on the host beside userkernel (never in the
   guest). It makes host objects a hostile guest must not reach, writes their identifiers, watches them, and
   when WORK/done appears (or its parent sends SIGTERM) prints one line per canary:
       canary NAME: intact
       canary NAME: TOUCHED <what happened>
   then removes its IPC objects and exits 0.

   usage: canary WORK
     WORK/canary/          the canary directory (mode 0777, so a guest running as any host user could write it)
       secret              known content with a random token (0666)
       evil, evil-elf      a #! script and a static ELF (0777); running either creates WORK/canary/pwned
       stream.sock         a listening AF_UNIX stream socket (0777)
       dgram.sock          a bound AF_UNIX datagram socket (0777)
     @userkernel-canary-PID-TOKEN   a listening abstract AF_UNIX stream socket
     SysV shm, semaphores and a message queue with fixed keys, mode 0666
     a pseudo-terminal of the host's (its slave /dev/pts/N, mode 0666): anything written to the slave reaches its master
     WORK/canary.ids       KEY=VALUE lines, one argument each for the hostile program
     WORK/canary.ready     made once canary.ids is complete

   What counts as touched: a connection or datagram on a socket; a change to the secret, the scripts or the IPC
   objects (contents, shm_atime/shm_lpid/shm_nattch, sem_otime, msg_qnum/lspid/lrpid, ctime, mode); `pwned`; bytes
   written to the pty's slave;
   any inotify event in the directory (open, access, attrib, create, delete ...); a new or missing entry; any
   signal at all (all are blocked and read from a signalfd, SIGKILL and SIGSTOP excepted: the harness notices
   those), a tracer (TracerPid), and a change of its nice value, I/O priority, scheduler, affinity or limits ("attributes").
   The harness adds "canary process: TOUCHED ..." when the canary died, stopped or did not report. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define SHM_KEY 0x55436e01
#define SEM_KEY 0x55436e02
#define MSG_KEY 0x55436e03
#define SHM_SIZE 4096
#define MSG_TYPE 7

/* Replaced in evil-elf (a copy of this program) by the path of `pwned`. */
static volatile char pwned_path[4096] = "@@PWNED_PATH_PLACEHOLDER@@";

static char work[1024], dir[1100], token[33];
static char secret_path[1200], evil_path[1200], evil_elf_path[1200], pwned[1200], stream_path[1200], dgram_path[1200];
static char abstract_name[108];
static char secret_text[256];
static pid_t parent;

struct touches {
    char text[4096];
};
static struct touches t_secret, t_evil, t_dir, t_stream, t_dgram, t_abstract, t_shm, t_sem, t_msg, t_signals, t_tracer, t_process, t_pty;

static void note(struct touches *t, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t used = strlen(t->text);
    if (used + 3 >= sizeof t->text) return;
    if (strstr(t->text, line)) return; /* the same thing once is enough */
    snprintf(t->text + used, sizeof t->text - used, "%s%s", used ? "; " : "", line);
}

static void die(const char *what)
{
    fprintf(stderr, "canary: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void write_file(const char *path, const char *content, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) die(path);
    size_t n = strlen(content);
    if (write(fd, content, n) != (ssize_t)n) die(path);
    if (fchmod(fd, mode) != 0) die(path);
    close(fd);
}

static char *read_file(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    size_t cap = 1 << 16, used = 0;
    char *buf = malloc(cap + 1);
    ssize_t n;
    while ((n = read(fd, buf + used, cap - used)) > 0) {
        used += (size_t)n;
        if (used == cap) buf = realloc(buf, (cap *= 2) + 1);
    }
    close(fd);
    buf[used] = 0;
    if (size) *size = used;
    return buf;
}

/* evil-elf: a copy of this program with pwned_path filled in. */
static void make_evil_elf(void)
{
    size_t size;
    char *self = read_file("/proc/self/exe", &size);
    if (!self) die("/proc/self/exe");
    const char *marker = "@@PWNED_PATH_PLACEHOLDER@@";
    char *at = memmem(self, size, marker, strlen(marker));
    if (!at || (size_t)(self + size - at) < sizeof pwned_path) {
        fprintf(stderr, "canary: the pwned_path placeholder is not in /proc/self/exe\n");
        exit(1);
    }
    memset(at, 0, sizeof pwned_path);
    memcpy(at, pwned, strlen(pwned));
    int fd = open(evil_elf_path, O_WRONLY | O_CREAT | O_EXCL, 0777);
    if (fd < 0 || write(fd, self, size) != (ssize_t)size) die(evil_elf_path);
    fchmod(fd, 0777);
    close(fd);
    free(self);
}

static int listen_unix(int type, const char *path, int abstract)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    socklen_t len;
    if (abstract) {
        a.sun_path[0] = 0;
        memcpy(a.sun_path + 1, path, strlen(path));
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path));
    } else {
        strcpy(a.sun_path, path);
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
    }
    int fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    if (bind(fd, (struct sockaddr *)&a, len) != 0) die(path);
    if (!abstract && chmod(path, 0777) != 0) die(path);
    if (type == SOCK_STREAM && listen(fd, 64) != 0) die("listen");
    return fd;
}

/* ---- the state that must not change ---- */

struct file_state {
    int exists;
    struct stat st;
    char *content;
    size_t size;
};

static void file_state(const char *path, struct file_state *s)
{
    memset(s, 0, sizeof *s);
    if (lstat(path, &s->st) != 0) return;
    s->exists = 1;
    s->content = read_file(path, &s->size);
}

static void compare_file(struct touches *t, const char *name, const struct file_state *before, const char *path)
{
    struct file_state now;
    file_state(path, &now);
    if (!now.exists) { note(t, "%s is gone", name); return; }
    if (now.st.st_ino != before->st.st_ino) note(t, "%s was replaced (inode %lu -> %lu)", name, (unsigned long)before->st.st_ino, (unsigned long)now.st.st_ino);
    if (now.st.st_mode != before->st.st_mode) note(t, "%s mode %o -> %o", name, before->st.st_mode, now.st.st_mode);
    if (now.st.st_uid != before->st.st_uid || now.st.st_gid != before->st.st_gid) note(t, "%s owner changed", name);
    if (now.st.st_mtim.tv_sec != before->st.st_mtim.tv_sec || now.st.st_mtim.tv_nsec != before->st.st_mtim.tv_nsec) note(t, "%s mtime changed", name);
    if (now.st.st_ctim.tv_sec != before->st.st_ctim.tv_sec || now.st.st_ctim.tv_nsec != before->st.st_ctim.tv_nsec) note(t, "%s ctime changed", name);
    if (now.st.st_nlink != before->st.st_nlink) note(t, "%s has %lu links", name, (unsigned long)now.st.st_nlink);
    if (now.size != before->size || (before->content && now.content && memcmp(now.content, before->content, now.size) != 0))
        note(t, "%s content changed (%zu bytes: '%.60s')", name, now.size, now.content ? now.content : "");
    free(now.content);
}

struct process_state {
    int nice, ioprio, policy;
    cpu_set_t affinity;
    struct rlimit limits[RLIM_NLIMITS];
};

static void process_state(struct process_state *s)
{
    memset(s, 0, sizeof *s);
    errno = 0;
    s->nice = getpriority(PRIO_PROCESS, 0);
    s->ioprio = (int)syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
    s->policy = sched_getscheduler(0);
    sched_getaffinity(0, sizeof s->affinity, &s->affinity);
    for (int i = 0; i < RLIM_NLIMITS; i++) getrlimit(i, &s->limits[i]);
}

static char **list_dir(const char *path, int *count)
{
    DIR *d = opendir(path);
    char **names = NULL;
    *count = 0;
    if (!d) return NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        names = realloc(names, sizeof *names * (size_t)(*count + 1));
        names[(*count)++] = strdup(e->d_name);
    }
    closedir(d);
    return names;
}

static int contains(char **names, int count, const char *name)
{
    for (int i = 0; i < count; i++)
        if (!strcmp(names[i], name)) return 1;
    return 0;
}

static int tracer_pid(void)
{
    char *status = read_file("/proc/self/status", NULL);
    int pid = 0;
    if (status) {
        char *line = strstr(status, "TracerPid:");
        if (line) pid = atoi(line + 10);
        free(status);
    }
    return pid;
}

static const char *event_names(uint32_t mask, char *buf, size_t size)
{
    static const struct { uint32_t bit; const char *name; } names[] = {
        {IN_ACCESS, "ACCESS"}, {IN_MODIFY, "MODIFY"}, {IN_ATTRIB, "ATTRIB"}, {IN_CLOSE_WRITE, "CLOSE_WRITE"},
        {IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"}, {IN_OPEN, "OPEN"}, {IN_MOVED_FROM, "MOVED_FROM"}, {IN_MOVED_TO, "MOVED_TO"},
        {IN_CREATE, "CREATE"}, {IN_DELETE, "DELETE"}, {IN_DELETE_SELF, "DELETE_SELF"}, {IN_MOVE_SELF, "MOVE_SELF"},
        {IN_ISDIR, "ISDIR"}, {IN_Q_OVERFLOW, "Q_OVERFLOW"},
    };
    buf[0] = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (mask & names[i].bit) snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? "|" : "", names[i].name);
    return buf;
}

static struct touches *owner_of(const char *name)
{
    if (!name || !*name) return &t_dir;
    if (!strcmp(name, "secret")) return &t_secret;
    if (!strcmp(name, "evil") || !strcmp(name, "evil-elf") || !strcmp(name, "pwned")) return &t_evil;
    if (!strcmp(name, "stream.sock")) return &t_stream;
    if (!strcmp(name, "dgram.sock")) return &t_dgram;
    return &t_dir;
}

static void drain_inotify(int fd)
{
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            char names[256];
            const char *name = e->len ? e->name : "";
            note(owner_of(name), "inotify %s on '%s'", event_names(e->mask, names, sizeof names), name[0] ? name : ".");
            p += sizeof *e + e->len;
        }
    }
}

static void accept_all(int fd, struct touches *t)
{
    int c;
    while ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
        struct ucred cred = {0};
        socklen_t len = sizeof cred;
        getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len);
        char data[64] = "";
        usleep(20000);
        ssize_t n = recv(c, data, sizeof data - 1, MSG_DONTWAIT);
        if (n > 0) data[n] = 0;
        note(t, "a connection was accepted (peer pid %d uid %d), it sent '%s'", (int)cred.pid, (int)cred.uid, n > 0 ? data : "");
        close(c);
    }
}

static void receive_all(int fd, struct touches *t)
{
    char data[256];
    struct sockaddr_un from;
    socklen_t len = sizeof from;
    ssize_t n;
    while ((n = recvfrom(fd, data, sizeof data - 1, MSG_DONTWAIT, (struct sockaddr *)&from, &len)) >= 0) {
        data[n] = 0;
        note(t, "a datagram was received from '%s': '%.60s'", len > offsetof(struct sockaddr_un, sun_path) ? from.sun_path : "(unnamed)", data);
        len = sizeof from;
    }
}

/* Bytes a guest wrote to the pty's slave arrive at its master (non-blocking). */
static void read_pty(int master, const char *name)
{
    char buf[256];
    ssize_t n;
    while ((n = read(master, buf, sizeof buf - 1)) > 0) {
        buf[n] = 0;
        note(&t_pty, "%zd bytes written to %s: '%.60s'", n, name, buf);
    }
}

static void read_signals(int fd, int *report)
{
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGTERM && si.ssi_code == SI_USER && (pid_t)si.ssi_pid == parent) {
            *report = 1;
            continue;
        }
        note(&t_signals, "signal %u (%s) from pid %u uid %u, code %d", si.ssi_signo, sigabbrev_np((int)si.ssi_signo) ? sigabbrev_np((int)si.ssi_signo) : "?",
             si.ssi_pid, si.ssi_uid, si.ssi_code);
    }
}

static void print(const char *name, struct touches *t)
{
    if (t->text[0]) printf("canary %s: TOUCHED %s\n", name, t->text);
    else printf("canary %s: intact\n", name);
}

int main(int argc, char **argv)
{
    if (pwned_path[0] == '/') {
        /* evil-elf: the guest got the host to run it */
        int fd = open((const char *)pwned_path, O_WRONLY | O_CREAT | O_APPEND, 0666);
        if (fd >= 0) {
            dprintf(fd, "pwned by evil-elf, pid %d uid %d\n", (int)getpid(), (int)getuid());
            close(fd);
        }
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: canary WORK\n");
        return 2;
    }
    parent = getppid();
    setvbuf(stdout, NULL, _IOLBF, 0);
    umask(0);
    /* its own process group, so a guest's kill(-pid) or F_SETOWN(-pid) would reach it */
    setpgid(0, 0);

    /* every signal blocked and read from a signalfd, 32 and 33 (glibc's own) included */
    uint64_t all = ~0ULL & ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)));
    if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, 8) != 0) die("rt_sigprocmask");
    int sigfd = (int)syscall(SYS_signalfd4, -1, &all, 8, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sigfd < 0) die("signalfd");

    snprintf(work, sizeof work, "%s", argv[1]);
    snprintf(dir, sizeof dir, "%s/canary", work);
    if (mkdir(dir, 0777) != 0) die(dir);
    chmod(dir, 0777);
    unsigned char raw[16];
    if (getrandom(raw, sizeof raw, 0) != sizeof raw) die("getrandom");
    for (int i = 0; i < 16; i++) sprintf(token + 2 * i, "%02x", raw[i]);

    snprintf(secret_path, sizeof secret_path, "%s/secret", dir);
    snprintf(evil_path, sizeof evil_path, "%s/evil", dir);
    snprintf(evil_elf_path, sizeof evil_elf_path, "%s/evil-elf", dir);
    snprintf(pwned, sizeof pwned, "%s/pwned", dir);
    snprintf(stream_path, sizeof stream_path, "%s/stream.sock", dir);
    snprintf(dgram_path, sizeof dgram_path, "%s/dgram.sock", dir);
    snprintf(abstract_name, sizeof abstract_name, "userkernel-canary-%d-%.8s", (int)getpid(), token);
    snprintf(secret_text, sizeof secret_text, "userkernel canary secret %s: a guest that reads this has escaped\n", token);

    write_file(secret_path, secret_text, 0666);
    char script[8400];
    snprintf(script, sizeof script, "#!/bin/sh\necho \"pwned by evil, pid $$ uid $(id -u)\" >> '%s'\n", pwned);
    write_file(evil_path, script, 0777);
    make_evil_elf();
    int stream = listen_unix(SOCK_STREAM, stream_path, 0);
    int dgram = listen_unix(SOCK_DGRAM, dgram_path, 0);
    int abstract = listen_unix(SOCK_STREAM, abstract_name, 1);

    /* SysV objects; a few created and removed first, so the canary's ids are not the first ids of a fresh namespace */
    for (int i = 0; i < 5; i++) {
        int s = shmget(IPC_PRIVATE, SHM_SIZE, 0600), m = semget(IPC_PRIVATE, 1, 0600), q = msgget(IPC_PRIVATE, 0600);
        shmctl(s, IPC_RMID, NULL);
        semctl(m, 0, IPC_RMID);
        msgctl(q, IPC_RMID, NULL);
    }
    int shm = shmget(SHM_KEY, SHM_SIZE, IPC_CREAT | IPC_EXCL | 0666);
    if (shm < 0) die("shmget (is a canary of another run alive in this IPC namespace?)");
    char *mem = shmat(shm, NULL, 0);
    if (mem == (void *)-1) die("shmat");
    char shm_text[128];
    snprintf(shm_text, sizeof shm_text, "canary shm %s", token);
    strcpy(mem, shm_text);
    shmdt(mem);
    int sem = semget(SEM_KEY, 2, IPC_CREAT | IPC_EXCL | 0666);
    if (sem < 0) die("semget");
    unsigned short values[2] = {42, 7};
    if (semctl(sem, 0, SETALL, values) != 0) die("semctl SETALL");
    int msg = msgget(MSG_KEY, IPC_CREAT | IPC_EXCL | 0666);
    if (msg < 0) die("msgget");
    struct { long type; char text[128]; } message = {MSG_TYPE, ""};
    snprintf(message.text, sizeof message.text, "canary msg %s", token);
    if (msgsnd(msg, &message, strlen(message.text) + 1, 0) != 0) die("msgsnd");

    int pty = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (pty < 0 || grantpt(pty) != 0 || unlockpt(pty) != 0 || !ptsname(pty)) die("posix_openpt");
    char pty_name[64];
    snprintf(pty_name, sizeof pty_name, "%s", ptsname(pty));
    chmod(pty_name, 0666); /* so that only the kernel's mediation keeps a guest out */

    /* the state to compare with */
    struct file_state secret0, evil0, evil_elf0;
    file_state(secret_path, &secret0);
    file_state(evil_path, &evil0);
    file_state(evil_elf_path, &evil_elf0);
    struct shmid_ds shm0;
    struct semid_ds sem0;
    struct msqid_ds msg0;
    shmctl(shm, IPC_STAT, &shm0);
    semctl(sem, 0, IPC_STAT, &sem0);
    msgctl(msg, IPC_STAT, &msg0);
    struct process_state process0;
    process_state(&process0);
    int entries0;
    char **names0 = list_dir(dir, &entries0);

    int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (ino < 0 || inotify_add_watch(ino, dir, IN_ALL_EVENTS) < 0) die("inotify");

    char ids[16384], ids_path[1200], tmp_path[1300], ready[1200], done[1200];
    struct stat st = secret0.st;
    snprintf(ids, sizeof ids,
             "dir=%s\nsecret=%s\nsecret_dev=%llu\nsecret_ino=%llu\ntoken=%s\nevil=%s\nevil_elf=%s\npwned=%s\nstream=%s\ndgram=%s\n"
             "abstract=%s\nshm_key=%d\nshm_id=%d\nsem_key=%d\nsem_id=%d\nmsg_key=%d\nmsg_id=%d\ncanary_pid=%d\npty=%s\n",
             dir, secret_path, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino, token, evil_path, evil_elf_path, pwned,
             stream_path, dgram_path, abstract_name, SHM_KEY, shm, SEM_KEY, sem, MSG_KEY, msg, (int)getpid(), pty_name);
    snprintf(ids_path, sizeof ids_path, "%s/canary.ids", work);
    snprintf(tmp_path, sizeof tmp_path, "%s.tmp", ids_path);
    snprintf(ready, sizeof ready, "%s/canary.ready", work);
    snprintf(done, sizeof done, "%s/done", work);
    int fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, ids, strlen(ids)) != (ssize_t)strlen(ids) || close(fd) != 0 || rename(tmp_path, ids_path) != 0) die(ids_path);
    fd = open(ready, O_WRONLY | O_CREAT, 0644);
    if (fd < 0) die(ready);
    close(fd);

    /* watch until the run is over */
    int report = 0;
    while (!report) {
        struct pollfd fds[] = {{stream, POLLIN, 0}, {dgram, POLLIN, 0}, {abstract, POLLIN, 0}, {sigfd, POLLIN, 0}, {ino, POLLIN, 0}, {pty, POLLIN, 0}};
        poll(fds, 6, 20);
        read_pty(pty, pty_name);
        accept_all(stream, &t_stream);
        accept_all(abstract, &t_abstract);
        receive_all(dgram, &t_dgram);
        read_signals(sigfd, &report);
        drain_inotify(ino);
        int tracer = tracer_pid();
        if (tracer) note(&t_tracer, "traced by pid %d", tracer);
        if (access(done, F_OK) == 0) report = 1;
    }

    /* one last look at everything, inotify first (the canary's own reads below would show up there) */
    drain_inotify(ino);
    read_pty(pty, pty_name);
    close(ino);
    accept_all(stream, &t_stream);
    accept_all(abstract, &t_abstract);
    receive_all(dgram, &t_dgram);
    int ignored = 0;
    read_signals(sigfd, &ignored);
    uint64_t pending = 0;
    if (syscall(SYS_rt_sigpending, &pending, 8) == 0 && pending)
        note(&t_signals, "signals pending: mask %#llx", (unsigned long long)pending);

    compare_file(&t_secret, "secret", &secret0, secret_path);
    compare_file(&t_evil, "evil", &evil0, evil_path);
    compare_file(&t_evil, "evil-elf", &evil_elf0, evil_elf_path);
    if (access(pwned, F_OK) == 0) {
        char *text = read_file(pwned, NULL);
        note(&t_evil, "pwned exists: '%.200s'", text ? text : "");
        free(text);
    }
    int entries;
    char **names = list_dir(dir, &entries);
    for (int i = 0; i < entries; i++)
        if (!contains(names0, entries0, names[i]) && strcmp(names[i], "pwned") != 0) note(&t_dir, "new entry '%s'", names[i]);
    for (int i = 0; i < entries0; i++)
        if (!contains(names, entries, names0[i])) note(&t_dir, "entry '%s' is gone", names0[i]);

    struct shmid_ds shm1;
    if (shmctl(shm, IPC_STAT, &shm1) != 0) note(&t_shm, "IPC_STAT failed: %s (removed?)", strerror(errno));
    else {
        if (shm1.shm_atime != shm0.shm_atime || shm1.shm_lpid != shm0.shm_lpid || shm1.shm_nattch != shm0.shm_nattch)
            note(&t_shm, "attached: shm_atime %ld -> %ld, shm_lpid %d -> %d, shm_nattch %lu", (long)shm0.shm_atime, (long)shm1.shm_atime,
                 (int)shm0.shm_lpid, (int)shm1.shm_lpid, (unsigned long)shm1.shm_nattch);
        if (shm1.shm_dtime != shm0.shm_dtime) note(&t_shm, "shm_dtime changed");
        if (shm1.shm_ctime != shm0.shm_ctime || shm1.shm_perm.mode != shm0.shm_perm.mode || shm1.shm_perm.uid != shm0.shm_perm.uid)
            note(&t_shm, "changed by IPC_SET or IPC_RMID (ctime/mode/uid)");
        char *now = shmat(shm, NULL, SHM_RDONLY);
        if (now == (void *)-1) note(&t_shm, "the canary cannot attach it any more");
        else {
            if (strcmp(now, shm_text) != 0) note(&t_shm, "content changed: '%.60s'", now);
            shmdt(now);
        }
    }
    struct semid_ds sem1;
    if (semctl(sem, 0, IPC_STAT, &sem1) != 0) note(&t_sem, "IPC_STAT failed: %s (removed?)", strerror(errno));
    else {
        if (sem1.sem_otime != sem0.sem_otime) note(&t_sem, "sem_otime changed (a semop)");
        if (sem1.sem_ctime != sem0.sem_ctime || sem1.sem_perm.mode != sem0.sem_perm.mode) note(&t_sem, "changed by semctl (ctime/mode)");
        unsigned short now[2] = {0, 0};
        semctl(sem, 0, GETALL, now);
        if (now[0] != 42 || now[1] != 7) note(&t_sem, "values 42 7 became %u %u", now[0], now[1]);
    }
    struct msqid_ds msg1;
    if (msgctl(msg, IPC_STAT, &msg1) != 0) note(&t_msg, "IPC_STAT failed: %s (removed?)", strerror(errno));
    else {
        if (msg1.msg_qnum != msg0.msg_qnum || msg1.msg_cbytes != msg0.msg_cbytes)
            note(&t_msg, "queue held %lu messages, now %lu", (unsigned long)msg0.msg_qnum, (unsigned long)msg1.msg_qnum);
        if (msg1.msg_lspid != msg0.msg_lspid || msg1.msg_lrpid != msg0.msg_lrpid || msg1.msg_stime != msg0.msg_stime || msg1.msg_rtime != msg0.msg_rtime)
            note(&t_msg, "sent or received: msg_lspid %d, msg_lrpid %d", (int)msg1.msg_lspid, (int)msg1.msg_lrpid);
        if (msg1.msg_ctime != msg0.msg_ctime || msg1.msg_perm.mode != msg0.msg_perm.mode || msg1.msg_qbytes != msg0.msg_qbytes)
            note(&t_msg, "changed by msgctl (ctime/mode/qbytes)");
    }

    struct process_state process1;
    process_state(&process1);
    if (process1.nice != process0.nice) note(&t_process, "nice %d -> %d", process0.nice, process1.nice);
    if (process1.ioprio != process0.ioprio) note(&t_process, "ioprio %#x -> %#x", process0.ioprio, process1.ioprio);
    if (process1.policy != process0.policy) note(&t_process, "scheduler policy %d -> %d", process0.policy, process1.policy);
    if (!CPU_EQUAL(&process1.affinity, &process0.affinity)) note(&t_process, "CPU affinity changed");
    for (int i = 0; i < RLIM_NLIMITS; i++)
        if (process1.limits[i].rlim_cur != process0.limits[i].rlim_cur || process1.limits[i].rlim_max != process0.limits[i].rlim_max)
            note(&t_process, "rlimit %d changed", i);
    if (tracer_pid()) note(&t_tracer, "traced by pid %d", tracer_pid());

    print("secret", &t_secret);
    print("evil", &t_evil);
    print("dir", &t_dir);
    print("unix-stream", &t_stream);
    print("unix-dgram", &t_dgram);
    print("unix-abstract", &t_abstract);
    print("shm", &t_shm);
    print("sem", &t_sem);
    print("msg", &t_msg);
    print("signals", &t_signals);
    print("tracer", &t_tracer);
    print("pty", &t_pty);
    print("attributes", &t_process);
    fflush(stdout);

    shmctl(shm, IPC_RMID, NULL);
    semctl(sem, 0, IPC_RMID);
    msgctl(msg, IPC_RMID, NULL);
    return 0;
}
