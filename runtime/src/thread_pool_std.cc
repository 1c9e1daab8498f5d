// The thread pool for builds without pthreadpool: threads - 1 workers that sleep on a condition
// variable, and a job of numbered tiles that the workers and the calling thread take one at a
// time from an atomic counter until none is left.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "thread_pool.h"

namespace qrun {

struct ThreadPool::Workers {
  // Runs run_tile(job, t) for every t in [0, tiles) on all threads; returns when all are done.
  void run(size_t tiles, void (*run_tile)(const void* job, size_t tile), const void* job) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      this->tiles = tiles;
      this->run_tile = run_tile;
      this->job = job;
      next_tile.store(0, std::memory_order_relaxed);
      working = threads.size();
      ++generation;
    }
    job_posted.notify_all();
    take_tiles();
    std::unique_lock<std::mutex> lock(mutex);
    job_done.wait(lock, [this] { return working == 0; });
  }

  void take_tiles() {
    for (size_t tile = next_tile.fetch_add(1); tile < tiles; tile = next_tile.fetch_add(1)) {
      run_tile(job, tile);
    }
  }

  void work() {
    unsigned long long seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        job_posted.wait(lock, [&] { return stopping || generation != seen; });
        if (stopping) return;
        seen = generation;
      }
      take_tiles();
      std::lock_guard<std::mutex> lock(mutex);
      if (--working == 0) job_done.notify_one();
    }
  }

  ~Workers() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    job_posted.notify_all();
    for (std::thread& thread : threads) thread.join();
  }

  std::vector<std::thread> threads;
  std::mutex mutex;
  std::condition_variable job_posted;
  std::condition_variable job_done;
  unsigned long long generation = 0;
  bool stopping = false;
  size_t working = 0;
  size_t tiles = 0;
  void (*run_tile)(const void* job, size_t tile) = nullptr;
  const void* job = nullptr;
  std::atomic<size_t> next_tile{0};
};

namespace {

struct TileJob {
  void (*fn)(const void*, size_t, size_t);
  const void* context;
  size_t range;
  size_t tile;
};

void run_tile(const void* job, size_t index) {
  const auto* t = static_cast<const TileJob*>(job);
  const size_t begin = index * t->tile;
  const size_t end = begin + t->tile < t->range ? begin + t->tile : t->range;
  t->fn(t->context, begin, end);
}

struct Tile2dJob {
  void (*fn)(const void*, size_t, size_t, size_t, size_t);
  const void* context;
  size_t range_i, tile_i;
  size_t range_j, tile_j;
  size_t tiles_j;
};

void run_tile_2d(const void* job, size_t index) {
  const auto* t = static_cast<const Tile2dJob*>(job);
  const size_t i = index / t->tiles_j * t->tile_i;
  const size_t j = index % t->tiles_j * t->tile_j;
  const size_t i_end = i + t->tile_i < t->range_i ? i + t->tile_i : t->range_i;
  const size_t j_end = j + t->tile_j < t->range_j ? j + t->tile_j : t->range_j;
  t->fn(t->context, i, i_end, j, j_end);
}

size_t tile_count(size_t range, size_t tile) {
  return (range + tile - 1) / tile;
}

}  // namespace

ThreadPool::ThreadPool() = default;
ThreadPool::~ThreadPool() = default;

pthreadpool* ThreadPool::pthreadpool_handle() const {
  return nullptr;
}

Status ThreadPool::set_threads(int threads) {
  if (threads < 1 || threads > 1024) {
    return InvalidArgument("thread count " + std::to_string(threads) + " is not in [1, 1024]");
  }
  workers_.reset();
  threads_ = threads;
  if (threads > 1) {
    workers_ = std::make_unique<Workers>();
    for (int t = 1; t < threads; ++t) {
      workers_->threads.emplace_back([workers = workers_.get()] { workers->work(); });
    }
  }
  return Status::Ok();
}

void ThreadPool::run_tiles(size_t range, size_t tile, TileFn fn, const void* context) {
  const TileJob job{fn, context, range, tile};
  workers_->run(tile_count(range, tile), run_tile, &job);
}

void ThreadPool::run_tiles_2d(size_t range_i, size_t tile_i, size_t range_j, size_t tile_j,
                              Tile2dFn fn, const void* context) {
  const Tile2dJob job{fn, context, range_i, tile_i, range_j, tile_j, tile_count(range_j, tile_j)};
  workers_->run(tile_count(range_i, tile_i) * job.tiles_j, run_tile_2d, &job);
}

}  // namespace qrun
