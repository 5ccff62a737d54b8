#ifndef CTEPAT_SYSTEM_H
#define CTEPAT_SYSTEM_H

/// Moves the file at `from` to `to`, replacing what `to` held, atomically: a reader of `to`
/// sees the old file or the new one, never neither and never a part.
///
/// On Linux the two names are swapped with renameat2(RENAME_EXCHANGE) and the old file, now
/// at `from`, is unlinked. A plain rename(2) over an existing file makes ext4 (auto_da_alloc)
/// start writing the new file back before the rename returns, which for a decisions.csv of
/// hundreds of megabytes costs seconds; the exchange does not. Where the exchange is not
/// possible (no file at `to` yet, another system or file system) this is rename(2).
/// Returns 0, or -1 with errno set as rename(2) does.
int tepat_replace_file(const char *from, const char *to);

/// Asks the processor to fetch the cache line at `address` for writing, ahead of use: a key
/// filter of millions of keys misses the cache on every probe, and a loop over a chunk of keys
/// can have the next keys' lines on their way while it works on this one. A hint only.
static inline void tepat_prefetch_for_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

/// Lets the calling thread run only on a core no other thread wants (Linux SCHED_IDLE): for
/// work whose result is needed late, such as hashing the inputs for the run's manifest. Returns
/// 0, or -1 where that is not possible (then the thread keeps its priority).
int tepat_run_when_idle(void);

/// Gives the pages of freed heap memory back to the system (glibc's malloc_trim): a long run
/// frees and allocates chunk buffers of many sizes, and the free pages between live ones would
/// otherwise stay resident. Returns 1 when memory was given back, 0 otherwise.
int tepat_release_free_memory(void);

#endif
