#include "thread_pool.h"

#include <pthreadpool.h>

namespace qrun {
namespace {

struct TileTask {
  void (*fn)(const void*, size_t, size_t);
  const void* context;
  size_t range;
};

void run_tile(void* argument, size_t begin, size_t tile) {
  const auto* task = static_cast<const TileTask*>(argument);
  const size_t end = begin + tile < task->range ? begin + tile : task->range;
  task->fn(task->context, begin, end);
}

}  // namespace

ThreadPool::~ThreadPool() {
  if (pool_ != nullptr) pthreadpool_destroy(pool_);
}

Status ThreadPool::set_threads(int threads) {
  if (threads < 1 || threads > 1024) {
    return InvalidArgument("thread count " + std::to_string(threads) + " is not in [1, 1024]");
  }
  if (pool_ != nullptr) {
    pthreadpool_destroy(pool_);
    pool_ = nullptr;
  }
  threads_ = threads;
  if (threads > 1) {
    pool_ = pthreadpool_create(static_cast<size_t>(threads));
    if (pool_ == nullptr) return Status(StatusCode::kInternal, "cannot create the thread pool");
  }
  return Status::Ok();
}

size_t ThreadPool::tile_for(size_t range) const {
  const size_t tiles = static_cast<size_t>(threads_) * 4;
  const size_t tile = (range + tiles - 1) / tiles;
  return tile == 0 ? 1 : tile;
}

void ThreadPool::run_tiles(size_t range, size_t tile, TileFn fn, const void* context) {
  TileTask task{fn, context, range};
  pthreadpool_parallelize_1d_tile_1d(pool_, run_tile, &task, range, tile, 0);
}

}  // namespace qrun
