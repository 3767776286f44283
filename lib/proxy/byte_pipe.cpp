#include "proxy/byte_pipe.h"

#include <algorithm>

namespace notme::proxy {
namespace {
constexpr size_t kCoalesceLimit = 64 * 1024;
}  // namespace

bool BytePipe::Write(const char* data, size_t n) {
  if (n == 0) return !aborted();
  MutexLock lock(&mu_);
  // A chunk larger than the capacity is admitted once the pipe is empty, so any write
  // size makes progress while memory stays bounded by capacity + one chunk.
  while (!aborted_ && !finished_ && queued_ > 0 && queued_ + n > capacity_) can_write_.wait(mu_);
  if (aborted_ || finished_) return false;
  // Coalesce small writes (httplib hands over 4 KiB reads) so the reader moves large
  // blocks: fewer wake-ups, fewer and larger chunks on the wire.
  bool was_empty = queued_ == 0;
  if (!chunks_.empty() && chunks_.back().size() + n <= kCoalesceLimit) {
    chunks_.back().append(data, n);
  } else {
    chunks_.emplace_back(data, n);
  }
  queued_ += n;
  if (was_empty) can_read_.notify_one();
  return true;
}

void BytePipe::Finish() {
  MutexLock lock(&mu_);
  finished_ = true;
  can_read_.notify_all();
  can_write_.notify_all();
}

void BytePipe::Abort() {
  MutexLock lock(&mu_);
  aborted_ = true;
  chunks_.clear();
  queued_ = 0;
  can_read_.notify_all();
  can_write_.notify_all();
}

bool BytePipe::aborted() const {
  MutexLock lock(&mu_);
  return aborted_;
}

BytePipe::ReadStatus BytePipe::Read(std::string& out, size_t max) {
  out.clear();
  MutexLock lock(&mu_);
  while (!aborted_ && chunks_.empty() && !finished_) can_read_.wait(mu_);
  if (aborted_) return ReadStatus::kAborted;
  if (chunks_.empty()) return ReadStatus::kEof;
  bool was_full = queued_ + kCoalesceLimit > capacity_;
  while (!chunks_.empty() && out.size() < max) {
    std::string& front = chunks_.front();
    size_t room = max - out.size();
    if (out.empty() && front.size() <= room) {
      out.swap(front);
      chunks_.pop_front();
    } else if (front.size() <= room) {
      out.append(front);
      chunks_.pop_front();
    } else {
      out.append(front, 0, room);
      front.erase(0, room);
    }
  }
  queued_ -= out.size();
  if (was_full || queued_ == 0) can_write_.notify_all();
  return ReadStatus::kData;
}

}  // namespace notme::proxy
