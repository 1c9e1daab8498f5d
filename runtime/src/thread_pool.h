// The runtime's only view of threads: split a range of work into tiles and run them on the pool.
// pthreadpool stays behind this interface so that a device build can bring its own.
#pragma once

#include <cstddef>

#include "qrun/status.h"

struct pthreadpool;

namespace qrun {

class ThreadPool {
 public:
  ThreadPool() = default;
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // 1 runs everything on the calling thread.
  Status set_threads(int threads);
  int threads() const { return threads_; }

  // Calls fn(begin, end) for consecutive tiles of [0, range), in parallel. Blocks until done.
  template <typename Fn>
  void parallelize(size_t range, size_t tile, const Fn& fn) {
    if (pool_ == nullptr || range <= tile) {
      for (size_t begin = 0; begin < range; begin += tile) fn(begin, min(begin + tile, range));
      return;
    }
    run_tiles(range, tile, &call<Fn>, &fn);
  }

  // A tile size that gives every thread a few tiles to balance with.
  size_t tile_for(size_t range) const;

 private:
  using TileFn = void (*)(const void* fn, size_t begin, size_t end);
  template <typename Fn>
  static void call(const void* fn, size_t begin, size_t end) {
    (*static_cast<const Fn*>(fn))(begin, end);
  }
  static size_t min(size_t a, size_t b) { return a < b ? a : b; }
  void run_tiles(size_t range, size_t tile, TileFn fn, const void* context);

  pthreadpool* pool_ = nullptr;
  int threads_ = 1;
};

}  // namespace qrun
