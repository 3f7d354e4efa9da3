/*
 * genba's AppImage type-2 runtime (written for this project; AppImageSpec type 2).
 *
 * Layout of an AppImage: this ELF program, then a squashfs image starting exactly where
 * the ELF ends (the end of its section header table or of its last section, whichever
 * is later). The build step writes the magic "AI\x02" into e_ident bytes 8..10 after
 * linking (objcopy/strip would rewrite the header and drop it).
 *
 * Modes:
 *   --appimage-offset           print the squashfs offset and exit
 *   --appimage-extract [PAT]    extract (entries matching the fnmatch PAT) to ./squashfs-root
 *   --appimage-extract-and-run  extract to a temporary folder, run AppRun, remove the folder
 *   (none)                      mount the squashfs with FUSE (squashfuse low level, fuse3)
 *                               on a temporary mount point and run AppRun; falls back to
 *                               extract-and-run when FUSE is unavailable or when
 *                               APPIMAGE_EXTRACT_AND_RUN=1.
 * AppRun gets the environment APPIMAGE, APPDIR, OWD and ARGV0.
 *
 * Linked statically against squashfuse, fuse3, zstd, xz and zlib; only glibc is dynamic.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <squashfuse/config.h>
#include <squashfuse/squashfuse.h>
#include <squashfuse/ll.h>

/* Reserved for AppImageUpdate's update information and a signature, filled in by tools
 * after the build (build_appimage.py --update-info writes .upd_info). */
char upd_info[1024] __attribute__((section(".upd_info"), used, aligned(1))) = "";
char sha256_sig[1024] __attribute__((section(".sha256_sig"), used, aligned(1))) = "";
char sig_key[4096] __attribute__((section(".sig_key"), used, aligned(1))) = "";

/* The payload is zstd (build_appimage.py); squashfuse also references lz4 and lzo, which
 * Debian ships without static libraries. These stubs refuse such images instead of
 * making the runtime depend on shared liblz4/liblzo2. */
int LZ4_decompress_safe(const char *s, char *d, int n, int m) { (void)s; (void)d; (void)n; (void)m; return -1; }
int lzo1x_decompress_safe(const unsigned char *s, unsigned long n, unsigned char *d,
                          unsigned long *m, void *w) { (void)s; (void)n; (void)d; (void)m; (void)w; return -1; }

static const char *self_path;

static void die(const char *msg) {
    fprintf(stderr, "AppImage %s: %s\n", self_path ? self_path : "", msg);
    exit(1);
}

/* The offset where the ELF (and so the runtime) ends: the later of the section header
 * table's end and the end of the last section with file contents. */
static off_t elf_end(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("cannot open the AppImage file");
    Elf64_Ehdr eh;
    if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0
        || eh.e_ident[EI_CLASS] != ELFCLASS64)
        die("not a 64-bit ELF file: the AppImage is damaged, download it again");
    off_t end = (off_t)(eh.e_shoff + (uint64_t)eh.e_shentsize * eh.e_shnum);
    for (int i = 0; i < eh.e_shnum; i++) {
        Elf64_Shdr sh;
        if (pread(fd, &sh, sizeof sh, (off_t)(eh.e_shoff + (uint64_t)i * eh.e_shentsize)) != (ssize_t)sizeof sh)
            die("truncated ELF header: the AppImage is damaged, download it again");
        if (sh.sh_type != SHT_NOBITS && (off_t)(sh.sh_offset + sh.sh_size) > end)
            end = (off_t)(sh.sh_offset + sh.sh_size);
    }
    close(fd);
    return end;
}

/* Opens the squashfs after the runtime, or exits with one line saying what is wrong. */
static void open_fs(sqfs *fs, off_t offset) {
    struct stat st;
    if (stat(self_path, &st) != 0) die("cannot read the AppImage file");
    if (st.st_size <= offset + 96)
        die("no squashfs after the runtime (file truncated?): download the AppImage again");
    int fd = open(self_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("cannot open the AppImage file");
    sqfs_err err = sqfs_init(fs, fd, (size_t)offset);
    if (err != SQFS_OK) die("no valid squashfs after the runtime (file damaged or truncated): download the AppImage again");
    if ((off_t)fs->sb.bytes_used > st.st_size - offset)
        die("the squashfs is cut short (file truncated): download the AppImage again");
}

static void write_all(int fd, const char *buf, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) { if (errno == EINTR) continue; die("cannot write an extracted file (disk full?)"); }
        buf += w; n -= (size_t)w;
    }
}

/* Extracts the image (entries whose path matches pattern, or all) below dest. */
static void extract(off_t offset, const char *pattern, const char *dest) {
    sqfs fs;
    open_fs(&fs, offset);
    if (mkdir(dest, 0755) != 0 && errno != EEXIST) die("cannot create the extraction folder");
    sqfs_traverse trv;
    if (sqfs_traverse_open(&trv, &fs, sqfs_inode_root(&fs)) != SQFS_OK) die("cannot read the squashfs root");
    sqfs_err err = SQFS_OK;
    static char buf[1 << 16];
    while (sqfs_traverse_next(&trv, &err)) {
        if (trv.dir_end) continue;
        if (pattern && fnmatch(pattern, trv.path, FNM_LEADING_DIR) != 0) continue;
        sqfs_inode inode;
        if (sqfs_inode_get(&fs, &inode, trv.entry.inode) != SQFS_OK) die("cannot read an inode (damaged squashfs)");
        char out[PATH_MAX];
        if (snprintf(out, sizeof out, "%s/%s", dest, trv.path) >= (int)sizeof out) die("path too long");
        /* With a pattern, a matching file's parent folders may not have matched. */
        for (char *p = out + strlen(dest) + 1; (p = strchr(p, '/')) != NULL; p++) {
            *p = '\0'; mkdir(out, 0755); *p = '/';
        }
        mode_t mode = inode.base.mode & 07777;
        switch (inode.base.inode_type) {
        case SQUASHFS_DIR_TYPE: case SQUASHFS_LDIR_TYPE:
            if (mkdir(out, mode | 0700) != 0 && errno != EEXIST) die("cannot create an extracted folder");
            break;
        case SQUASHFS_REG_TYPE: case SQUASHFS_LREG_TYPE: {
            unlink(out);
            int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode | 0600);
            if (fd < 0) die("cannot create an extracted file");
            sqfs_off_t pos = 0, size = (sqfs_off_t)inode.xtra.reg.file_size;
            while (pos < size) {
                sqfs_off_t n = size - pos < (sqfs_off_t)sizeof buf ? size - pos : (sqfs_off_t)sizeof buf;
                if (sqfs_read_range(&fs, &inode, pos, &n, buf) != SQFS_OK || n <= 0)
                    die("cannot read a file from the squashfs (damaged or truncated AppImage)");
                write_all(fd, buf, (size_t)n);
                pos += n;
            }
            fchmod(fd, mode);
            close(fd);
            break;
        }
        case SQUASHFS_SYMLINK_TYPE: case SQUASHFS_LSYMLINK_TYPE: {
            char target[PATH_MAX];
            size_t n = sizeof target;
            if (sqfs_readlink(&fs, &inode, target, &n) != SQFS_OK) die("cannot read a symlink from the squashfs");
            unlink(out);
            if (symlink(target, out) != 0) die("cannot create an extracted symlink");
            break;
        }
        default: break; /* devices, fifos and sockets have no place in an AppDir */
        }
    }
    if (err != SQFS_OK) die("error while reading the squashfs (damaged or truncated AppImage)");
    sqfs_traverse_close(&trv);
    sqfs_destroy(&fs);
}

static void set_env(const char *appdir, const char *argv0) {
    char owd[PATH_MAX];
    setenv("APPIMAGE", self_path, 1);
    setenv("APPDIR", appdir, 1);
    setenv("ARGV0", argv0, 1);
    if (getcwd(owd, sizeof owd)) setenv("OWD", owd, 1);
}

static volatile pid_t apprun_pid = 0;

/* A signal sent to the AppImage's own process (kill PID, a session ending, a test's
 * terminate) is passed on to AppRun, which would otherwise never hear of it; a signal from
 * the terminal (Ctrl-C: si_code SI_KERNEL) already reaches AppRun through the process group. */
static void pass_on(int sig, siginfo_t *info, void *ctx) {
    (void)ctx;
    if (apprun_pid > 0 && (info->si_code == SI_USER || info->si_code == SI_QUEUE))
        kill(apprun_pid, sig);
}

/* Runs APPDIR/AppRun with the user's arguments in a child and returns its exit status. */
static int run_apprun(const char *appdir, const char *argv0, int argc, char **argv) {
    char apprun[PATH_MAX];
    snprintf(apprun, sizeof apprun, "%s/AppRun", appdir);
    set_env(appdir, argv0);
    pid_t pid = fork();
    if (pid < 0) die("cannot start AppRun (fork failed)");
    if (pid == 0) {
        char **args = calloc((size_t)argc + 2, sizeof *args);
        args[0] = apprun;
        for (int i = 0; i < argc; i++) args[i + 1] = argv[i];
        execv(apprun, args);
        fprintf(stderr, "AppImage %s: cannot run AppRun: %s\n", self_path, strerror(errno));
        _exit(127);
    }
    /* The runtime outlives AppRun (to unmount or clean up): it passes signals on, and waits. */
    apprun_pid = pid;
    struct sigaction forward;
    memset(&forward, 0, sizeof forward);
    forward.sa_sigaction = pass_on;
    forward.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&forward.sa_mask);
    sigaction(SIGINT, &forward, NULL);
    sigaction(SIGTERM, &forward, NULL);
    sigaction(SIGHUP, &forward, NULL);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

static int rm_entry(const char *p, const struct stat *s, int f, struct FTW *w) {
    (void)s; (void)f; (void)w;
    return remove(p);
}

static int extract_and_run(off_t offset, const char *argv0, int argc, char **argv) {
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/appimage_extracted_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) die("cannot create a temporary folder to extract into (is TMPDIR writable?)");
    extract(offset, NULL, dir);
    int rc = run_apprun(dir, argv0, argc, argv);
    if (!getenv("NO_CLEANUP")) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}

static void *fuse_loop(void *se) {
    fuse_session_loop((struct fuse_session *)se);
    return NULL;
}

/* Mounts the squashfs with FUSE and runs AppRun from it. Returns -1 (nothing started)
 * when FUSE cannot be used, so the caller falls back to extract-and-run. */
static int mount_and_run(off_t offset, const char *argv0, int argc, char **argv) {
    if (access("/dev/fuse", R_OK | W_OK) != 0) return -1;
    sqfs_ll *ll = sqfs_ll_open(self_path, (size_t)offset);
    if (!ll) die("no valid squashfs after the runtime (file damaged or truncated): download the AppImage again");
    const char *tmp = getenv("TMPDIR");
    char mnt[PATH_MAX];
    snprintf(mnt, sizeof mnt, "%s/.mount_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(mnt)) die("cannot create a temporary mount point (is TMPDIR writable?)");

    struct fuse_lowlevel_ops ops;
    memset(&ops, 0, sizeof ops);
    ops.getattr = sqfs_ll_op_getattr; ops.opendir = sqfs_ll_op_opendir;
    ops.releasedir = sqfs_ll_op_releasedir; ops.readdir = sqfs_ll_op_readdir;
    ops.lookup = sqfs_ll_op_lookup; ops.open = sqfs_ll_op_open;
    ops.create = sqfs_ll_op_create; ops.release = sqfs_ll_op_release;
    ops.read = sqfs_ll_op_read; ops.readlink = sqfs_ll_op_readlink;
    ops.listxattr = sqfs_ll_op_listxattr; ops.getxattr = sqfs_ll_op_getxattr;
    ops.forget = sqfs_ll_op_forget; ops.statfs = stfs_ll_op_statfs;

    char fsname[PATH_MAX + 16];
    snprintf(fsname, sizeof fsname, "-ofsname=%s", self_path);
    char *fargv[] = {(char *)argv0, "-oro,nodev,nosuid", fsname, "-osubtype=genba-appimage", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(4, fargv);
    sqfs_ll_chan ch;
    if (sqfs_ll_mount(&ch, mnt, &args, &ops, sizeof ops, ll) != SQFS_OK) {
        rmdir(mnt);
        return -1;
    }
    /* AppRun must not inherit the FUSE device: a child holding it would keep the
     * mount's server side open after the runtime ends. */
    fcntl(fuse_session_fd(ch.session), F_SETFD, FD_CLOEXEC);
    pthread_t thread;
    if (pthread_create(&thread, NULL, fuse_loop, ch.session) != 0) die("cannot start the FUSE thread");
    int rc = run_apprun(mnt, argv0, argc, argv);
    fuse_session_exit(ch.session);
    sqfs_ll_unmount(&ch, mnt); /* unmounting wakes the loop's read with ENODEV */
    pthread_join(thread, NULL);
    rmdir(mnt);
    sqfs_ll_destroy(ll);
    return rc;
}

int main(int argc, char **argv) {
    static char self[PATH_MAX];
    const char *env_self = getenv("TARGET_APPIMAGE"); /* reference runtime's override */
    if (env_self) {
        if (!realpath(env_self, self)) die("TARGET_APPIMAGE does not name a readable file");
    } else {
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n < 0) die("cannot find the AppImage's own path (/proc not mounted?)");
        self[n] = '\0';
    }
    self_path = self;
    const char *argv0 = getenv("ARGV0") && getenv("APPDIR") ? getenv("ARGV0") : argv[0];
    off_t offset = elf_end(self_path);
    const char *opt = argc > 1 ? argv[1] : "";

    if (strcmp(opt, "--appimage-offset") == 0) {
        printf("%lld\n", (long long)offset);
        return 0;
    }
    if (strcmp(opt, "--appimage-extract") == 0) {
        extract(offset, argc > 2 ? argv[2] : NULL, "squashfs-root");
        return 0;
    }
    if (strcmp(opt, "--appimage-extract-and-run") == 0)
        return extract_and_run(offset, argv0, argc - 2, argv + 2);
    if (strcmp(opt, "--appimage-help") == 0) {
        printf("Options: --appimage-offset, --appimage-extract [PATTERN], --appimage-extract-and-run [ARGS]\n"
               "Without FUSE (or with APPIMAGE_EXTRACT_AND_RUN=1) the AppImage extracts itself to a\n"
               "temporary folder, runs from there and removes it afterwards.\n");
        return 0;
    }
    if (strncmp(opt, "--appimage-", 11) == 0) {
        fprintf(stderr, "AppImage %s: unknown option %s (try --appimage-help)\n", self_path, opt);
        return 1;
    }
    sqfs check; /* one clear line for a damaged file before FUSE or AppRun are involved */
    open_fs(&check, offset);
    sqfs_destroy(&check);
    const char *ear = getenv("APPIMAGE_EXTRACT_AND_RUN");
    if (!(ear && strcmp(ear, "1") == 0)) {
        int rc = mount_and_run(offset, argv0, argc - 1, argv + 1);
        if (rc >= 0) return rc;
        fprintf(stderr, "AppImage: FUSE is not available here; extracting to a temporary folder instead\n");
    }
    return extract_and_run(offset, argv0, argc - 1, argv + 1);
}
