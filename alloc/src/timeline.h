// The report's timeline: RSS, live bytes and the live bytes of the sites that hold the most,
// a point every purge delay (from the allocation slow path's periodic look) while a report
// is asked for (HAKMEM_REPORT), thinned to every other point when the table is full, so a
// run of any length keeps up to kTimePoints evenly spaced. No allocation, no lock on the
// fast path: one compare of the clock with the next point's time, on the slow path.
#pragma once

#include <stdint.h>

namespace hak {

constexpr unsigned kTimePoints = 1024;
constexpr unsigned kTimeSites = 8;  // the sites with the most live bytes at each point

struct TimePoint {
  uint64_t t_ns;  // since the process started (its first allocation)
  uint64_t rss, live;
  uint16_t site[kTimeSites];  // 0: none
  int64_t site_live[kTimeSites];
};

extern bool g_timeline_on;
// A point now, if one is due or forced (the report's last); now_ns: CLOCK_MONOTONIC.
void timeline_note(uint64_t now_ns, bool force = false);
// The points so far (oldest first), into out (up to kTimePoints); the spacing in ns.
unsigned timeline_copy(TimePoint* out, uint64_t* step_ns);

}  // namespace hak
