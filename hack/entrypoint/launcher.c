/*
 * tekpy entrypoint launcher: the first bytes of the packaged step entrypoint.
 *
 * The executable is this static program followed by an archive of a Python runtime (see
 * hack/entrypoint/bundle.py for the format). On start it looks for the unpacked runtime in
 * "<own directory>/.tekpy-<BUILD_ID>"; when absent it unpacks the archive there (or, when that
 * directory is not writable, under $TMPDIR or /tmp), then executes the runtime's dynamic
 * loader on the runtime's interpreter, so that no library of the step image is used.
 *
 * Built by hack/build-entrypoint.sh with -static and -DBUILD_ID="...".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef BUILD_ID
#error "BUILD_ID must be defined"
#endif
#ifndef LOADER
#define LOADER "ld-linux-x86-64.so.2"
#endif

#define MAGIC "TEKPYRT1"
#define BOOT                                                                       \
    "import sys;from tekpy_entrypoint.__main__ import main;"                      \
    "main(sys.argv[3:],sys.argv[1],sys.argv[2])"

static void die(const char *what) {
    fprintf(stderr, "tekpy entrypoint launcher: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int is_ready(const char *rt) {
    char marker[PATH_MAX];
    snprintf(marker, sizeof marker, "%s/tekpy-runtime", rt);
    return access(marker, F_OK) == 0;
}

static int read_full(int fd, void *buf, size_t n) {
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r <= 0) {
            if (r < 0 && errno == EINTR) continue;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static uint64_t le64(const unsigned char *b) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | b[i];
    return v;
}

static uint32_t le32(const unsigned char *b) {
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Copy len bytes at the current offset of in to out (kernel-side when possible). */
static int copy_range(int in, int out, uint64_t len) {
    while (len > 0) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, len, 0);
        if (n > 0) {
            len -= (uint64_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        /* Fallback for file systems without copy_file_range. */
        char buf[65536];
        size_t want = len < sizeof buf ? (size_t)len : sizeof buf;
        if (read_full(in, buf, want) < 0) return -1;
        for (size_t done = 0; done < want;) {
            ssize_t w = write(out, buf + done, want - done);
            if (w < 0) {
                if (errno == EINTR) continue;
                return -1;
            }
            done += (size_t)w;
        }
        len -= want;
    }
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

/* Unpack the archive appended to self into a temporary directory, then rename it to rt. */
static int unpack(const char *self, const char *rt) {
    int fd = open(self, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    unsigned char trailer[16];
    off_t end = lseek(fd, -16, SEEK_END);
    if (end < 0 || read_full(fd, trailer, 16) < 0 || memcmp(trailer + 8, MAGIC, 8) != 0) {
        errno = ENOEXEC;
        close(fd);
        return -1;
    }
    uint64_t offset = le64(trailer);
    if (lseek(fd, (off_t)offset, SEEK_SET) < 0) { close(fd); return -1; }
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", rt, (long)getpid());
    if (mkdir(tmp, 0755) < 0) { close(fd); return -1; }
    uint64_t pos = offset;
    while (pos < (uint64_t)end) {
        unsigned char head[17];
        if (read_full(fd, head, 17) < 0) goto fail;
        unsigned type = head[0];
        uint32_t mode = le32(head + 1), plen = le32(head + 5);
        uint64_t dlen = le64(head + 9);
        char rel[PATH_MAX], path[PATH_MAX];
        if (plen >= sizeof rel || read_full(fd, rel, plen) < 0) goto fail;
        rel[plen] = 0;
        snprintf(path, sizeof path, "%s/%s", tmp, rel);
        if (type == 0) {
            if (mkdir(path, mode) < 0 && errno != EEXIST) goto fail;
        } else if (type == 1) {
            int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
            if (out < 0) goto fail;
            int rc = copy_range(fd, out, dlen);
            close(out);
            if (rc < 0) goto fail;
        } else if (type == 2) {
            char target[PATH_MAX];
            if (dlen >= sizeof target || read_full(fd, target, dlen) < 0) goto fail;
            target[dlen] = 0;
            if (symlink(target, path) < 0) goto fail;
        } else {
            errno = EINVAL;
            goto fail;
        }
        pos += 17 + plen + dlen;
    }
    close(fd);
    if (rename(tmp, rt) == 0) return 0;
    /* Another process unpacked concurrently: use its copy. */
    nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return is_ready(rt) ? 0 : -1;
fail:
    close(fd);
    nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return -1;
}

int main(int argc, char **argv) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = 0;
    } else if (strchr(argv[0], '/') == NULL || realpath(argv[0], self) == NULL) {
        die("cannot find own path (no /proc?)");
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", self);
    char *slash = strrchr(dir, '/');
    if (slash == dir) dir[1] = 0; else *slash = 0;

    char rt[PATH_MAX];
    snprintf(rt, sizeof rt, "%s/.tekpy-%s", strcmp(dir, "/") ? dir : "", BUILD_ID);
    if (!is_ready(rt) && unpack(self, rt) < 0) {
        const char *tmpdir = getenv("TMPDIR");
        snprintf(rt, sizeof rt, "%s/.tekpy-%s-%ld", tmpdir && *tmpdir ? tmpdir : "/tmp",
                 BUILD_ID, (long)getuid());
        if (!is_ready(rt) && unpack(self, rt) < 0) die("cannot unpack the runtime");
    }

    char loader[PATH_MAX], libs[PATH_MAX], python[PATH_MAX];
    snprintf(loader, sizeof loader, "%s/lib/%s", rt, LOADER);
    snprintf(libs, sizeof libs, "%s/lib", rt);
    snprintf(python, sizeof python, "%s/bin/python3", rt);
    /* Python coerces a C locale by setting LC_CTYPE in its environment; pass the original
       value so that the step's command inherits the environment unchanged. */
    const char *lc = getenv("LC_CTYPE");
    char lcarg[4096];
    snprintf(lcarg, sizeof lcarg, "%s%s", lc ? "=" : "-", lc ? lc : "");

    char **args = calloc((size_t)argc + 12, sizeof *args);
    if (args == NULL) die("calloc");
    int i = 0;
    args[i++] = loader;
    args[i++] = "--library-path";
    args[i++] = libs;
    args[i++] = python;
    args[i++] = "-I";
    args[i++] = "-S";
    args[i++] = "-c";
    args[i++] = BOOT;
    args[i++] = self;
    args[i++] = lcarg;
    for (int k = 1; k < argc; k++) args[i++] = argv[k];
    args[i] = NULL;
    execv(loader, args);
    die("exec of the runtime failed");
    return 1;
}
