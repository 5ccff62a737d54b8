#define _GNU_SOURCE
#include "CTepatSystem.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/syscall.h>
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#endif

int tepat_replace_file(const char *from, const char *to) {
#if defined(__linux__) && defined(SYS_renameat2)
    struct stat existing;
    // Only a regular file is swapped out: rename(2) keeps its own answer for anything else.
    if (lstat(to, &existing) == 0 && S_ISREG(existing.st_mode)
        && syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE) == 0) {
        // `from` now names the old file. Should it fail to go, the new file is still in place.
        (void)unlink(from);
        return 0;
    }
#endif
    return rename(from, to);
}
