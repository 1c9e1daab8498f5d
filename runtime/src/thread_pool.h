// The runtime's only view of threads: split a range of work into tiles and run them on the pool.
// Two implementations sit behind it: pthreadpool (thread_pool_pthreadpool.cc, the default) and a
// small pool on std::thread (thread_pool_std.cc) for device builds without pthreadpool
// (-DQRUN_WITH_PTHREADPOOL=OFF). Which tile runs on which thread never changes a result.
#pragma once

#include <cstddef>
#include <memory>

#include "qrun/status.h"

struct pthreadpool;  // pthreadpool.h's pool, for libraries that take one (XNNPACK)

namespace qrun {

class ThreadPool {
 public:
  ThreadPool();
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // 1 runs everything on the calling thread.
  Status set_threads(int threads);
  int threads() const { return threads_; }
  // The pthreadpool behind this pool, for XNNPACK; null with one thread or without pthreadpool.
  pthreadpool* pthreadpool_handle() const;

  // Calls fn(begin, end) for consecutive tiles of [0, range), in parallel. Blocks until done.
  template <typename Fn>
  void parallelize(size_t range, size_t tile, const Fn& fn) {
    if (workers_ == nullptr || range <= tile) {
      for (size_t begin = 0; begin < range; begin += tile) fn(begin, min(begin + tile, range));
      return;
    }
    run_tiles(range, tile, &call<Fn>, &fn);
  }

  // Calls fn(i_begin, i_end, j_begin, j_end) for the tiles of a two-dimensional range, in
  // parallel. Blocks until done.
  template <typename Fn>
  void parallelize_2d(size_t range_i, size_t tile_i, size_t range_j, size_t tile_j, const Fn& fn) {
    if (workers_ == nullptr || (range_i <= tile_i && range_j <= tile_j)) {
      for (size_t i = 0; i < range_i; i += tile_i) {
        for (size_t j = 0; j < range_j; j += tile_j) {
          fn(i, min(i + tile_i, range_i), j, min(j + tile_j, range_j));
        }
      }
      return;
    }
    run_tiles_2d(range_i, tile_i, range_j, tile_j, &call_2d<Fn>, &fn);
  }

  // A tile size that gives every thread a few tiles to balance with.
  size_t tile_for(size_t range) const {
    const size_t tiles = static_cast<size_t>(threads_) * 4;
    const size_t tile = (range + tiles - 1) / tiles;
    return tile == 0 ? 1 : tile;
  }

 private:
  using TileFn = void (*)(const void* fn, size_t begin, size_t end);
  using Tile2dFn = void (*)(const void* fn, size_t i_begin, size_t i_end, size_t j_begin,
                            size_t j_end);
  template <typename Fn>
  static void call(const void* fn, size_t begin, size_t end) {
    (*static_cast<const Fn*>(fn))(begin, end);
  }
  template <typename Fn>
  static void call_2d(const void* fn, size_t i_begin, size_t i_end, size_t j_begin, size_t j_end) {
    (*static_cast<const Fn*>(fn))(i_begin, i_end, j_begin, j_end);
  }
  static size_t min(size_t a, size_t b) { return a < b ? a : b; }
  void run_tiles(size_t range, size_t tile, TileFn fn, const void* context);
  void run_tiles_2d(size_t range_i, size_t tile_i, size_t range_j, size_t tile_j, Tile2dFn fn,
                    const void* context);

  struct Workers;  // the threads besides the caller's; none when threads_ is 1
  std::unique_ptr<Workers> workers_;
  int threads_ = 1;
};

}  // namespace qrun
