/*
 * as-linux-3.10 PROGRAM [ARGS...]: runs PROGRAM as if on CentOS 7's kernel, as far as one process can see it.
 *   - every x86_64 system call added after Linux 3.10 fails with ENOSYS (numbers 314, sched_setattr, and up:
 *     see the table below, each checked against its man page's VERSIONS/HISTORY section);
 *   - madvise with an advice value 3.10 does not know fails with EINVAL (as 3.10's madvise_behavior_valid);
 *   - uname reports release 3.10.0-1160.el7.x86_64 (the last CentOS 7 kernel), so code that picks a fallback by
 *     kernel version (OpenSSL's /dev/urandom seeding below 4.8) takes the old path.
 * A seccomp filter (libseccomp) does the first two; uname is traced (SECCOMP_RET_TRACE, ptrace) and its answer
 * rewritten on the way out. SIGTERM and SIGINT are passed on to PROGRAM; the exit status is PROGRAM's.
 * It is the closest this machine gets to a CentOS 7 node, no more: the rest of the kernel is still this one.
 * Build: gcc -O2 -o as-linux-3.10 as-linux-3.10.c -lseccomp
 */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define RELEASE "3.10.0-1160.el7.x86_64"
#define VERSION "#1 SMP Mon Oct 19 16:18:59 UTC 2020"

/* x86_64 system calls from 314 on, with the release that added each (man 2 NAME). 335-423 were never used. */
static const struct { int nr; const char *name; const char *since; } added_after_3_10[] = {
    {314, "sched_setattr", "3.14"}, {315, "sched_getattr", "3.14"}, {316, "renameat2", "3.15"},
    {317, "seccomp", "3.17"}, {318, "getrandom", "3.17"}, {319, "memfd_create", "3.17"},
    {320, "kexec_file_load", "3.17"}, {321, "bpf", "3.18"}, {322, "execveat", "3.19"},
    {323, "userfaultfd", "4.3"}, {324, "membarrier", "4.3"}, {325, "mlock2", "4.4"},
    {326, "copy_file_range", "4.5"}, {327, "preadv2", "4.6"}, {328, "pwritev2", "4.6"},
    {329, "pkey_mprotect", "4.9"}, {330, "pkey_alloc", "4.9"}, {331, "pkey_free", "4.9"},
    {332, "statx", "4.11"}, {333, "io_pgetevents", "4.18"}, {334, "rseq", "4.18"},
    {424, "pidfd_send_signal", "5.1"}, {425, "io_uring_setup", "5.1"}, {426, "io_uring_enter", "5.1"},
    {427, "io_uring_register", "5.1"}, {428, "open_tree", "5.2"}, {429, "move_mount", "5.2"},
    {430, "fsopen", "5.2"}, {431, "fsconfig", "5.2"}, {432, "fsmount", "5.2"}, {433, "fspick", "5.2"},
    {434, "pidfd_open", "5.3"}, {435, "clone3", "5.3"}, {436, "close_range", "5.9"}, {437, "openat2", "5.6"},
    {438, "pidfd_getfd", "5.6"}, {439, "faccessat2", "5.8"}, {440, "process_madvise", "5.10"},
    {441, "epoll_pwait2", "5.11"}, {442, "mount_setattr", "5.12"}, {443, "quotactl_fd", "5.14"},
    {444, "landlock_create_ruleset", "5.13"}, {445, "landlock_add_rule", "5.13"},
    {446, "landlock_restrict_self", "5.13"}, {447, "memfd_secret", "5.14"}, {448, "process_mrelease", "5.15"},
    {449, "futex_waitv", "5.16"}, {450, "set_mempolicy_home_node", "5.17"}, {451, "cachestat", "6.5"},
    {452, "fchmodat2", "6.6"}, {453, "map_shadow_stack", "6.6"}, {454, "futex_wake", "6.7"},
    {455, "futex_wait", "6.7"}, {456, "futex_requeue", "6.7"}, {457, "statmount", "6.8"},
    {458, "listmount", "6.8"}, {459, "lsm_get_self_attr", "6.8"}, {460, "lsm_set_self_attr", "6.8"},
    {461, "lsm_list_modules", "6.8"}, {462, "mseal", "6.10"}, {463, "setxattrat", "6.13"},
    {464, "getxattrat", "6.13"}, {465, "listxattrat", "6.13"}, {466, "removexattrat", "6.13"},
    {467, "open_tree_attr", "6.15"}, {468, "file_getattr", "6.17"}, {469, "file_setattr", "6.17"},
};
/* Numbers no kernel has assigned yet: ENOSYS there too, should this machine's kernel be newer than the table. */
#define LAST_CHECKED 469
#define FILTER_UP_TO 1023

/* madvise advice 3.10 knows (mm/madvise.c, madvise_behavior_valid): 0-4, 9-17, 100-101 (hwpoison).
 * Added since: MADV_FREE 8 (4.5), WIPEONFORK/KEEPONFORK 18/19 (4.14), COLD/PAGEOUT 20/21 (5.4),
 * POPULATE_READ/WRITE 22/23 (5.14), DONTNEED_LOCKED 24 (5.18), COLLAPSE 25 (6.1), GUARD_INSTALL/REMOVE
 * 102/103 (6.13). */
static int madvise_known_to_3_10(int advice) {
    return (advice >= 0 && advice <= 4) || (advice >= 9 && advice <= 17) || advice == 100 || advice == 101;
}

static void die(const char *what, int err) {
    fprintf(stderr, "as-linux-3.10: %s: %s\n", what, strerror(err));
    exit(70);
}

static void install_filter(void) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) die("seccomp_init", ENOMEM);
    int rc;
    for (int nr = 314; nr <= FILTER_UP_TO; nr++) {
        if (nr >= 512 && nr <= 547) continue; /* x32 numbers: not callable from x86_64 anyway */
        if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0)) != 0) die("seccomp_rule_add", -rc);
    }
    for (int advice = 0; advice <= 200; advice++) {
        if (madvise_known_to_3_10(advice)) continue;
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EINVAL), SCMP_SYS(madvise), 1, SCMP_A2(SCMP_CMP_EQ, advice));
        if (rc != 0) die("seccomp_rule_add madvise", -rc);
    }
    if ((rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SCMP_SYS(uname), 0)) != 0) die("seccomp_rule_add uname", -rc);
    if ((rc = seccomp_load(ctx)) != 0) die("seccomp_load", -rc);
    seccomp_release(ctx);
}

static volatile pid_t child;
static void forward(int sig) { if (child > 0) kill(child, sig); }

/* At a uname's syscall-exit-stop: write the 3.10 release and version into the caller's struct utsname. */
static void rewrite_uname(pid_t pid) {
    struct user_regs_struct regs;
    if (ptrace(PTRACE_GETREGS, pid, 0, &regs) != 0 || (long)regs.rax != 0) return;
    char fields[2][65];
    memset(fields, 0, sizeof fields);
    strcpy(fields[0], RELEASE);
    strcpy(fields[1], VERSION);
    struct iovec local = {fields, sizeof fields};
    struct iovec remote = {(void *)(regs.rdi + offsetof(struct utsname, release)), sizeof fields};
    process_vm_writev(pid, &local, 1, &remote, 1, 0);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: as-linux-3.10 PROGRAM [ARGS...]\n");
        return 64;
    }
    /* Checked at start so a mistyped table fails loudly rather than silently allowing a call. */
    for (size_t i = 1; i < sizeof added_after_3_10 / sizeof *added_after_3_10; i++)
        if (added_after_3_10[i].nr <= added_after_3_10[i - 1].nr || added_after_3_10[i].nr > LAST_CHECKED) abort();

    pid_t pid = fork();
    if (pid < 0) die("fork", errno);
    if (pid == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) die("PTRACE_TRACEME", errno);
        raise(SIGSTOP);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("PR_SET_NO_NEW_PRIVS", errno);
        install_filter();
        execvp(argv[1], argv + 1);
        fprintf(stderr, "as-linux-3.10: %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    child = pid;
    struct sigaction sa = {0};
    sa.sa_handler = forward;
    sigaction(SIGTERM, &sa, 0);
    sigaction(SIGINT, &sa, 0);

    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) die("waitpid", errno);
    if (!WIFSTOPPED(status)) die("the child did not stop", ECHILD);
    long options = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
                   PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
    if (ptrace(PTRACE_SETOPTIONS, pid, 0, options) != 0) die("PTRACE_SETOPTIONS", errno);
    ptrace(PTRACE_CONT, pid, 0, 0);

    int exit_code = 70;
    for (;;) {
        pid_t who = waitpid(-1, &status, __WALL);
        if (who < 0) {
            if (errno == EINTR) continue;
            if (errno == ECHILD) break;
            die("waitpid", errno);
        }
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            if (who == pid) exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            continue;
        }
        if (!WIFSTOPPED(status)) continue;
        int sig = WSTOPSIG(status);
        int event = status >> 16;
        if (sig == (SIGTRAP | 0x80)) { /* the syscall-exit-stop of a uname the filter sent us */
            rewrite_uname(who);
            ptrace(PTRACE_CONT, who, 0, 0);
        } else if (sig == SIGTRAP && event == PTRACE_EVENT_SECCOMP) {
            ptrace(PTRACE_SYSCALL, who, 0, 0); /* run it; stop again on its way out */
        } else if (sig == SIGTRAP && event != 0) {
            ptrace(PTRACE_CONT, who, 0, 0); /* clone, fork, vfork, exec */
        } else if (event == PTRACE_EVENT_STOP || (sig == SIGSTOP && who != pid)) {
            ptrace(PTRACE_CONT, who, 0, 0); /* a new thread's first stop */
        } else {
            ptrace(PTRACE_CONT, who, 0, sig); /* a signal for the program: deliver it */
        }
    }
    return exit_code;
}
