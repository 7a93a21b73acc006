// CPU time of the calling thread: what a stage costs, unaffected by other
// processes sharing the machine (wall time is not).
#pragma once

#include <time.h>

namespace parley::media {

inline double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

}  // namespace parley::media
