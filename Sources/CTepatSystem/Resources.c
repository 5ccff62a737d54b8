#define _GNU_SOURCE
#include "CTepatSystem.h"

#include <pthread.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <sched.h>

int tepat_run_when_idle(void) {
#if defined(__linux__) && defined(SCHED_IDLE)
    struct sched_param parameters = {0};
    return pthread_setschedparam(pthread_self(), SCHED_IDLE, &parameters) == 0 ? 0 : -1;
#else
    return -1;
#endif
}

int tepat_release_free_memory(void) {
#if defined(__GLIBC__)
    return malloc_trim(0);
#else
    return 0;
#endif
}
