#include <pthreadpool.h>

#include "thread_pool.h"

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

struct Tile2dTask {
  void (*fn)(const void*, size_t, size_t, size_t, size_t);
  const void* context;
  size_t range_i;
  size_t range_j;
};

void run_tile_2d(void* argument, size_t i, size_t j, size_t tile_i, size_t tile_j) {
  const auto* task = static_cast<const Tile2dTask*>(argument);
  const size_t i_end = i + tile_i < task->range_i ? i + tile_i : task->range_i;
  const size_t j_end = j + tile_j < task->range_j ? j + tile_j : task->range_j;
  task->fn(task->context, i, i_end, j, j_end);
}

}  // namespace

struct ThreadPool::Workers {
  explicit Workers(pthreadpool_t created) : pool(created) {}
  ~Workers() { pthreadpool_destroy(pool); }
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;
  pthreadpool_t pool;
};

ThreadPool::ThreadPool() = default;
ThreadPool::~ThreadPool() = default;

Status ThreadPool::set_threads(int threads) {
  if (threads < 1 || threads > 1024) {
    return InvalidArgument("thread count " + std::to_string(threads) + " is not in [1, 1024]");
  }
  workers_.reset();
  threads_ = threads;
  if (threads > 1) {
    pthreadpool_t pool = pthreadpool_create(static_cast<size_t>(threads));
    if (pool == nullptr) return Status(StatusCode::kInternal, "cannot create the thread pool");
    workers_ = std::make_unique<Workers>(pool);
  }
  return Status::Ok();
}

pthreadpool* ThreadPool::pthreadpool_handle() const {
  return workers_ == nullptr ? nullptr : workers_->pool;
}

void ThreadPool::run_tiles(size_t range, size_t tile, TileFn fn, const void* context) {
  TileTask task{fn, context, range};
  pthreadpool_parallelize_1d_tile_1d(workers_->pool, run_tile, &task, range, tile, 0);
}

void ThreadPool::run_tiles_2d(size_t range_i, size_t tile_i, size_t range_j, size_t tile_j,
                              Tile2dFn fn, const void* context) {
  Tile2dTask task{fn, context, range_i, range_j};
  pthreadpool_parallelize_2d_tile_2d(workers_->pool, run_tile_2d, &task, range_i, range_j, tile_i,
                                     tile_j, 0);
}

}  // namespace qrun
