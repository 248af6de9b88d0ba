/* race-unix: bind, connect, sendto with an address, sendmsg and sendmmsg must never reach a host socket.

   The guest has its own stream listener (/tmp/g.sock) and datagram socket (/tmp/g.dgram), each served by a thread
   that counts what arrives.
   Direct: every call aimed at the canary's stream and datagram socket paths (and through /proc/<pid>/root)
   fails, and bind inside the canary's directory fails; with net=none, the canary's abstract name cannot be
   reached either (with --net host abstract names are the host's by design, so that is not tested).
   Raced: a thread makes the call in a loop on a sockaddr whose sun_path a flipper rewrites between the guest's
   path and the host canary's (and the 16 KiB below its stack pointer with the host sockaddr); a connect that
   succeeds must be to the guest's listener (getpeername), every datagram reported sent must arrive at the
   guest's socket, and a bind must make the guest's name. Connect and sendto are raced once more while another
   thread dup2()s sockets of other families and types onto the descriptor being used.
   Finally the guest makes the canary's own paths in its tree and binds there: those names reach the guest's
   sockets only.

   Parameters: iterations= (each raced call), net=none|host. */
#include "hostile.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#define GUEST_STREAM "/tmp/g.sock"
#define GUEST_DGRAM "/tmp/g.dgram"
#define GUEST_BIND "/tmp/g.bind"

static volatile long accepted, received;
static int net_none;
static char guest_abstract[108];
static struct sockaddr_un addr_buf __attribute__((aligned(64))), addr_buf2 __attribute__((aligned(64)));
static struct sockaddr_un guest_addr, host_addr, guest_addr2, host_addr2;
static struct flipper F;
static socklen_t addr_len; /* the raced address's length: an abstract name is exactly as long as it says */
static size_t cmp_len;     /* how many bytes of sun_path a peer's name must match */

static socklen_t make_addr(struct sockaddr_un *a, const char *path, int abstract)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (abstract) {
        memcpy(a->sun_path + 1, path, strlen(path));
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path));
    }
    strncpy(a->sun_path, path, sizeof a->sun_path - 1);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static void *acceptor(void *arg)
{
    int listener = (int)(long)arg;
    for (;;) {
        int c = accept(listener, NULL, NULL);
        if (c < 0) continue;
        __atomic_add_fetch(&accepted, 1, __ATOMIC_SEQ_CST);
        close(c);
    }
    return NULL;
}

static void *receiver(void *arg)
{
    int fd = (int)(long)arg;
    char buf[256];
    for (;;)
        if (recv(fd, buf, sizeof buf, 0) >= 0) __atomic_add_fetch(&received, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static int guest_socket(int type, const char *path, int abstract, void *(*serve)(void *))
{
    struct sockaddr_un a;
    socklen_t len = make_addr(&a, path, abstract);
    int fd = socket(AF_UNIX, type, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, len) != 0 || (type == SOCK_STREAM && listen(fd, 512) != 0)) {
        escaped("setup", "the guest's own %s socket %s%s: %s", type == SOCK_STREAM ? "stream" : "datagram", abstract ? "@" : "", path, errname(errno));
        return -1;
    }
    pthread_t t;
    pthread_create(&t, NULL, serve, (void *)(long)fd);
    return fd;
}

/* ---- direct ---- */

static void direct_connect(const char *check, int type, const char *path, int abstract)
{
    struct sockaddr_un a;
    socklen_t len = make_addr(&a, path, abstract);
    int fd = socket(AF_UNIX, type, 0);
    int r = connect(fd, (struct sockaddr *)&a, len);
    int e = errno;
    if (r != 0) held(check, "%s", errname(e));
    else escaped(check, "connect to the host's %s%s succeeded", abstract ? "@" : "", path);
    close(fd);
}

static void direct_sends(const char *check, const char *path, int abstract)
{
    struct sockaddr_un a;
    socklen_t len = make_addr(&a, path, abstract);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    char name[128];
    ssize_t r = sendto(fd, "direct sendto", 13, 0, (struct sockaddr *)&a, len);
    snprintf(name, sizeof name, "%s_sendto", check);
    if (r < 0) held(name, "%s", errname(errno));
    else escaped(name, "sendto the host's %s%s sent %zd bytes", abstract ? "@" : "", path, r);

    struct iovec iov = {.iov_base = "direct sendmsg", .iov_len = 14};
    struct msghdr m = {.msg_name = &a, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1};
    r = sendmsg(fd, &m, 0);
    snprintf(name, sizeof name, "%s_sendmsg", check);
    if (r < 0) held(name, "%s", errname(errno));
    else escaped(name, "sendmsg to the host's %s%s sent %zd bytes", abstract ? "@" : "", path, r);

    struct mmsghdr mm[2];
    memset(mm, 0, sizeof mm);
    mm[0].msg_hdr = m;
    mm[1].msg_hdr = m;
    int n = sendmmsg(fd, mm, 2, 0);
    snprintf(name, sizeof name, "%s_sendmmsg", check);
    if (n <= 0) held(name, "%s", n < 0 ? errname(errno) : "0 sent");
    else escaped(name, "sendmmsg to the host's %s%s sent %d messages", abstract ? "@" : "", path, n);
    close(fd);
}

static void direct_bind(const char *check, const char *path)
{
    struct sockaddr_un a;
    socklen_t len = make_addr(&a, path, 0);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    int r = bind(fd, (struct sockaddr *)&a, len);
    int e = errno;
    if (r != 0) held(check, "%s", errname(e));
    else escaped(check, "bind to %s succeeded (the guest has no such directory)", path);
    close(fd);
}

/* ---- raced ---- */

struct tally {
    long ok, failed, wrong, last_error;
    char detail[512];
};

static __attribute__((noinline)) void race_connect(long iterations, int fixed_fd, struct tally *t)
{
    struct sockaddr_un peer;
    unsigned int peer_len;
    long ok = 0, failed = 0, wrong = 0, last = 0;
    const size_t glen = cmp_len;
    const long alen = addr_len;
    block_all_signals();
    FLIPPER_ATTACH_STACK(&F);
    for (long i = 0; i < iterations; i++) {
        long s = RSYS3(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0) { failed++; last = s; continue; }
        long fd = s;
        if (fixed_fd >= 0) {
            RSYS3(SYS_dup3, s, fixed_fd, O_CLOEXEC);
            RSYS1(SYS_close, s);
            fd = fixed_fd;
        }
        long r = RSYS3(SYS_connect, fd, &addr_buf, alen);
        if (r != 0) {
            failed++;
            last = r;
        } else {
            ok++;
            peer_len = sizeof peer;
            peer.sun_path[0] = peer.sun_path[1] = 0;
            int bad = 0;
            long g = RSYS3(SYS_getpeername, fd, &peer, &peer_len);
            /* A swapped-in descriptor (the dup2 race) may be unnamed or unconnected: only a named peer that is not
               the guest's listener counts. */
            if (g == 0 && peer_len > offsetof(struct sockaddr_un, sun_path)) {
                for (size_t j = 0; j < glen && j < sizeof peer.sun_path; j++)
                    if (((volatile char *)peer.sun_path)[j] != guest_addr.sun_path[j]) { bad = 1; break; }
            }
            if (bad) {
                wrong++;
                flipper_park(&F);
                snprintf(t->detail, sizeof t->detail, "iteration %ld: connected, and the peer is '%s%.100s', not the guest's listener",
                         i, peer.sun_path[0] ? "" : "@", peer.sun_path[0] ? peer.sun_path : peer.sun_path + 1);
                flipper_unpark(&F);
            }
            if (fixed_fd >= 0) RSYS4(SYS_sendto, fd, "raced connect", 13, MSG_DONTWAIT | MSG_NOSIGNAL);
        }
        if (fixed_fd < 0) RSYS1(SYS_close, fd);
    }
    flipper_detach_stack(&F);
    t->ok = ok;
    t->failed = failed;
    t->wrong = wrong;
    t->last_error = last;
}

enum send_kind { SEND_TO, SEND_MSG, SEND_MMSG };

/* Sends on S (which a dup2 thread may be swapping underneath) to the raced address. */
static __attribute__((noinline)) void race_send(long iterations, enum send_kind kind, long s, struct tally *t)
{
    long ok = 0, failed = 0, last = 0;
    struct iovec iov = {.iov_base = "raced datagram", .iov_len = 14};
    struct msghdr m;
    struct mmsghdr mm[2];
    memset(&m, 0, sizeof m);
    m.msg_name = &addr_buf;
    m.msg_namelen = sizeof addr_buf;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    memset(mm, 0, sizeof mm);
    mm[0].msg_hdr = m;
    mm[1].msg_hdr = m;
    mm[1].msg_hdr.msg_name = &addr_buf2;
    block_all_signals();
    FLIPPER_ATTACH_STACK(&F);
    for (long i = 0; i < iterations; i++) {
        long r;
        if (kind == SEND_TO) r = RSYS6(SYS_sendto, s, "raced datagram", 14, 0, &addr_buf, sizeof addr_buf);
        else if (kind == SEND_MSG) r = RSYS3(SYS_sendmsg, s, &m, 0);
        else r = RSYS4(SYS_sendmmsg, s, mm, 2, 0);
        if (r < 0) {
            failed++;
            last = r;
        } else if (kind == SEND_MMSG) {
            ok += r;
        } else {
            ok++;
        }
    }
    flipper_detach_stack(&F);
    t->ok = ok;
    t->failed = failed;
    t->last_error = last;
}

static __attribute__((noinline)) void race_bind(long iterations, struct tally *t)
{
    struct sockaddr_un name;
    unsigned int name_len;
    long ok = 0, failed = 0, wrong = 0, last = 0;
    block_all_signals();
    FLIPPER_ATTACH_STACK(&F);
    for (long i = 0; i < iterations; i++) {
        long s = RSYS3(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        long r = RSYS3(SYS_bind, s, &addr_buf, sizeof addr_buf);
        if (r != 0) {
            failed++;
            last = r;
        } else {
            ok++;
            name_len = sizeof name;
            int bad = RSYS3(SYS_getsockname, s, &name, &name_len) != 0;
            for (size_t j = 0; !bad && j < sizeof GUEST_BIND; j++)
                if (((volatile char *)name.sun_path)[j] != GUEST_BIND[j]) bad = 1;
            if (bad) {
                /* A name torn between the two values (say /tmp/h.bind) is a guest path like any other, if the guest
                   sees a socket there; the host's name, or one the guest cannot see, is not. */
                flipper_park(&F);
                struct stat st;
                name.sun_path[sizeof name.sun_path - 1] = 0;
                if (strcmp(name.sun_path, host_addr.sun_path) != 0 && lstat(name.sun_path, &st) == 0 && S_ISSOCK(st.st_mode)) {
                    unlink(name.sun_path);
                } else {
                    wrong++;
                    snprintf(t->detail, sizeof t->detail, "iteration %ld: bound, and the name is '%.100s', which the guest does not see as its socket", i, name.sun_path);
                }
                flipper_unpark(&F);
            }
            RSYS1(SYS_unlink, GUEST_BIND);
        }
        RSYS1(SYS_close, s);
    }
    flipper_detach_stack(&F);
    t->ok = ok;
    t->failed = failed;
    t->wrong = wrong;
    t->last_error = last;
}

static volatile int dup_stop;
static int dup_target;
static int dup_sources[8], dup_count, dup_pair_peer = -1;

static void *dup_thread(void *arg)
{
    (void)arg;
    block_all_signals();
    while (!dup_stop)
        for (int i = 0; i < dup_count; i++) dup2(dup_sources[i], dup_target);
    return NULL;
}

/* Sockets of other families and types (and OWN, if >= 0) that a thread keeps dup2()ing onto TARGET. */
static pthread_t start_dup_thread(int target, int own)
{
    int pair[2];
    dup_target = target;
    dup_count = 0;
    if (own >= 0) dup_sources[dup_count++] = own;
    dup_sources[dup_count++] = socket(AF_UNIX, SOCK_DGRAM, 0);
    dup_sources[dup_count++] = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    dup_sources[dup_count++] = socket(AF_UNIX, SOCK_STREAM, 0);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0) {
        dup_sources[dup_count++] = pair[0];
        dup_pair_peer = pair[1];
    }
    int inet = socket(AF_INET, SOCK_DGRAM, 0), inet6 = socket(AF_INET6, SOCK_STREAM, 0);
    if (inet >= 0) dup_sources[dup_count++] = inet;
    if (inet6 >= 0) dup_sources[dup_count++] = inet6;
    dup2(dup_sources[0], target);
    dup_stop = 0;
    pthread_t d;
    pthread_create(&d, NULL, dup_thread, NULL);
    return d;
}

static void stop_dup_thread(pthread_t d)
{
    dup_stop = 1;
    pthread_join(d, NULL);
    for (int i = 0; i < dup_count; i++) close(dup_sources[i]);
    if (dup_pair_peer >= 0) close(dup_pair_peer);
    dup_pair_peer = -1;
    close(dup_target);
}

static void start_flipper(const struct sockaddr_un *guest, const struct sockaddr_un *host)
{
    int abstract = guest->sun_path[0] == 0;
    size_t name = abstract ? 1 + strlen(guest->sun_path + 1) : strlen(guest->sun_path) + 1;
    addr_len = abstract ? (socklen_t)(offsetof(struct sockaddr_un, sun_path) + name) : (socklen_t)sizeof(struct sockaddr_un);
    cmp_len = name;
    memset(&F, 0, sizeof F);
    guest_addr = *guest;
    host_addr = *host;
    guest_addr2 = *guest;
    host_addr2 = *host;
    addr_buf = *guest;
    addr_buf2 = *guest;
    flipper_add(&F, &addr_buf, &guest_addr, sizeof guest_addr, &host_addr, sizeof host_addr);
    flipper_add(&F, &addr_buf2, &guest_addr2, sizeof guest_addr2, &host_addr2, sizeof host_addr2);
    F.fill = &host_addr;
    F.fill_len = sizeof host_addr;
    flipper_start(&F);
}

static void wait_for(volatile long *counter, long want)
{
    for (int i = 0; i < 300 && __atomic_load_n(counter, __ATOMIC_SEQ_CST) < want; i++) usleep(10000);
}

static void report_connect(const char *name, long iterations, struct tally *t, long accepted_before, double seconds)
{
    wait_for(&accepted, accepted_before + t->ok);
    long arrived = accepted - accepted_before;
    info("%s: %ld iterations in %.1f s, %ld connected, %ld failed (last %s), the guest's listener accepted %ld; flipper rounds %lu",
         name, iterations, seconds, t->ok, t->failed, t->last_error ? errname((int)-t->last_error) : "-", arrived, F.rounds);
    if (t->wrong) escaped(name, "%ld connections went elsewhere than the guest's listener; %s", t->wrong, t->detail);
    else if (t->ok == 0) held(name, "inconclusive: no connect saw the guest's address; nothing escaped");
    else if (arrived < t->ok) escaped(name, "%ld connects succeeded but the guest's listener accepted only %ld", t->ok, arrived);
    else held(name, "%ld connects, all to the guest's listener", t->ok);
}

static void raced_stream(const char *prefix, const struct sockaddr_un *guest, const struct sockaddr_un *host, long iterations)
{
    char name[128];
    struct tally t;
    long before;
    double start;

    memset(&t, 0, sizeof t);
    before = accepted;
    start = now_seconds();
    start_flipper(guest, host);
    race_connect(iterations, -1, &t);
    flipper_stop(&F);
    snprintf(name, sizeof name, "race_%s_connect", prefix);
    report_connect(name, iterations, &t, before, now_seconds() - start);

    /* again, while a sibling swaps other sockets onto the descriptor being connected */
    memset(&t, 0, sizeof t);
    start = now_seconds();
    start_flipper(guest, host);
    pthread_t d = start_dup_thread(200, -1);
    race_connect(iterations, 200, &t);
    stop_dup_thread(d);
    flipper_stop(&F);
    snprintf(name, sizeof name, "race_%s_connect_dup2", prefix);
    /* with descriptors swapped underneath, a connect may succeed on a swapped-in socket: only a wrong peer counts */
    info("%s: %ld iterations in %.1f s, %ld connected, %ld failed (last %s); flipper rounds %lu", name, iterations,
         now_seconds() - start, t.ok, t.failed, t.last_error ? errname((int)-t.last_error) : "-", F.rounds);
    if (t.wrong) escaped(name, "%ld connections went elsewhere than the guest's listener; %s", t.wrong, t.detail);
    else if (t.ok == 0) held(name, "inconclusive: no connect succeeded; nothing escaped");
    else held(name, "%ld connects, none to a host socket", t.ok);
}

static void raced_datagrams(const char *prefix, const struct sockaddr_un *guest, const struct sockaddr_un *host, long iterations)
{
    static const char *const kinds[] = {"sendto", "sendmsg", "sendmmsg", "sendto_dup2"};
    for (int k = 0; k < 4; k++) {
        struct tally t;
        memset(&t, 0, sizeof t);
        long before = received;
        double start = now_seconds();
        int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        start_flipper(guest, host);
        if (k < 3) {
            race_send(iterations, (enum send_kind)k, s, &t);
        } else {
            /* sendto on a descriptor number that a sibling keeps pointing at this and other sockets */
            pthread_t d = start_dup_thread(201, s);
            race_send(iterations, SEND_TO, 201, &t);
            stop_dup_thread(d);
        }
        flipper_stop(&F);
        close(s);
        wait_for(&received, before + t.ok);
        long arrived = received - before;
        char name[128];
        snprintf(name, sizeof name, "race_%s_%s", prefix, kinds[k]);
        info("%s: %ld iterations in %.1f s, %ld datagrams sent, %ld failed (last %s), %ld arrived at the guest's socket; flipper rounds %lu",
             name, iterations, now_seconds() - start, t.ok, t.failed, t.last_error ? errname((int)-t.last_error) : "-", arrived, F.rounds);
        if (t.ok == 0) held(name, "inconclusive: no send saw the guest's address; nothing escaped");
        else if (arrived != t.ok) escaped(name, "%ld datagrams were sent but %ld arrived at the guest's socket: the rest went elsewhere", t.ok, arrived);
        else held(name, "%ld datagrams, all to the guest's socket", t.ok);
    }
}

static void raced_bind(long iterations)
{
    struct sockaddr_un guest, host;
    char host_path[200];
    snprintf(host_path, sizeof host_path, "%s/bound-by-guest", C.dir);
    make_addr(&guest, GUEST_BIND, 0);
    make_addr(&host, host_path, 0);
    struct tally t;
    memset(&t, 0, sizeof t);
    double start = now_seconds();
    start_flipper(&guest, &host);
    race_bind(iterations, &t);
    flipper_stop(&F);
    info("race_bind: %ld iterations in %.1f s, %ld bound, %ld failed (last %s); flipper rounds %lu", iterations, now_seconds() - start,
         t.ok, t.failed, t.last_error ? errname((int)-t.last_error) : "-", F.rounds);
    if (t.wrong) escaped("race_bind", "%ld binds named something else than " GUEST_BIND "; %s", t.wrong, t.detail);
    else if (t.ok == 0) held("race_bind", "inconclusive: no bind saw the guest's path; nothing escaped");
    else held("race_bind", "%ld binds, all at the guest's " GUEST_BIND, t.ok);
}

/* The guest makes the canary's paths in its own tree: they are the guest's sockets. */
static void same_paths_are_the_guests(void)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", C.dir);
    if (system(cmd) != 0) {
        escaped("same_path_setup", "mkdir -p %s in the guest failed", C.dir);
        return;
    }
    long before = accepted;
    int listener = guest_socket(SOCK_STREAM, C.stream, 0, acceptor);
    struct sockaddr_un a, peer;
    socklen_t len = make_addr(&a, C.stream, 0), peer_len = sizeof peer;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    int r = connect(fd, (struct sockaddr *)&a, len);
    int e = errno;
    memset(&peer, 0, sizeof peer);
    getpeername(fd, (struct sockaddr *)&peer, &peer_len);
    wait_for(&accepted, before + 1);
    expect(listener >= 0 && r == 0 && accepted == before + 1 && strcmp(peer.sun_path, C.stream) == 0, "same_path_stream_is_the_guests",
           "connect %s, the guest's listener accepted %ld, peer '%s'", errname(r ? e : 0), accepted - before, peer.sun_path);
    close(fd);

    long received_before = received;
    int dgram = guest_socket(SOCK_DGRAM, C.dgram, 0, receiver);
    len = make_addr(&a, C.dgram, 0);
    fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    ssize_t n = sendto(fd, "to the guest", 12, 0, (struct sockaddr *)&a, len);
    e = errno;
    wait_for(&received, received_before + 1);
    expect(dgram >= 0 && n == 12 && received == received_before + 1, "same_path_dgram_is_the_guests", "sendto %s, the guest's socket received %ld",
           errname(n < 0 ? e : 0), received - received_before);
    close(fd);
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    long iterations = arg_num("iterations", 5000);
    net_none = strcmp(arg_or("net", "host"), "none") == 0;
    char path[4096];

    if (guest_socket(SOCK_STREAM, GUEST_STREAM, 0, acceptor) < 0 || guest_socket(SOCK_DGRAM, GUEST_DGRAM, 0, receiver) < 0)
        return hostile_finish();

    /* direct */
    direct_connect("direct_connect_stream", SOCK_STREAM, C.stream, 0);
    direct_connect("direct_connect_dgram", SOCK_DGRAM, C.dgram, 0);
    direct_connect("direct_connect_stream_as_seqpacket", SOCK_SEQPACKET, C.stream, 0);
    direct_sends("direct_dgram", C.dgram, 0);
    snprintf(path, sizeof path, "/proc/%d/root%s", C.uk_pid, C.stream);
    direct_connect("direct_connect_proc_userkernel_root", SOCK_STREAM, path, 0);
    snprintf(path, sizeof path, "/proc/%d/root%s", C.pid, C.dgram);
    direct_sends("direct_dgram_proc_canary_root", path, 0);
    snprintf(path, sizeof path, "%s/bound-by-guest", C.dir);
    direct_bind("direct_bind_in_canary_dir", path);
    snprintf(path, sizeof path, "/../../..%s", C.stream);
    direct_connect("direct_connect_dotdot", SOCK_STREAM, path, 0);
    if (net_none) {
        direct_connect("direct_connect_abstract", SOCK_STREAM, C.abstract, 1);
        direct_sends("direct_abstract", C.abstract, 1);
    }

    /* raced */
    struct sockaddr_un guest, host;
    make_addr(&guest, GUEST_STREAM, 0);
    make_addr(&host, C.stream, 0);
    raced_stream("path", &guest, &host, iterations);
    make_addr(&guest, GUEST_DGRAM, 0);
    make_addr(&host, C.dgram, 0);
    raced_datagrams("path", &guest, &host, iterations);
    raced_bind(iterations);
    if (net_none) {
        /* a guest abstract name as long as the canary's, so the raced address differs in its bytes only */
        snprintf(guest_abstract, sizeof guest_abstract, "%s", C.abstract);
        guest_abstract[0] = guest_abstract[0] == 'g' ? 'G' : 'g';
        if (guest_socket(SOCK_STREAM, guest_abstract, 1, acceptor) >= 0) {
            make_addr(&guest, guest_abstract, 1);
            make_addr(&host, C.abstract, 1);
            raced_stream("abstract", &guest, &host, iterations);
        }
    }

    same_paths_are_the_guests();
    return hostile_finish();
}
