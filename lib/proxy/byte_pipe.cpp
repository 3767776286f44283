#include "proxy/byte_pipe.h"

#include <algorithm>

namespace notme::proxy {

bool BytePipe::Write(const char* data, size_t n) {
  if (n == 0) return !aborted();
  MutexLock lock(&mu_);
  // A chunk larger than the capacity is admitted once the pipe is empty, so any write
  // size makes progress while memory stays bounded by capacity + one chunk.
  while (!aborted_ && !finished_ && queued_ > 0 && queued_ + n > capacity_) can_write_.wait(mu_);
  if (aborted_ || finished_) return false;
  chunks_.emplace_back(data, n);
  queued_ += n;
  can_read_.notify_one();
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
  std::string& front = chunks_.front();
  if (front.size() <= max) {
    out.swap(front);
    chunks_.pop_front();
  } else {
    out.assign(front, 0, max);
    front.erase(0, max);
  }
  queued_ -= out.size();
  can_write_.notify_one();
  return ReadStatus::kData;
}

}  // namespace notme::proxy
