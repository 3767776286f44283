#pragma once
// BytePipe: a bounded byte queue between exactly two threads, the way a proxied body
// moves from the side that receives it to the side that sends it without ever being held
// whole: the writer blocks while `capacity` bytes are queued, the reader blocks while the
// pipe is empty. Either side can abort; the other then sees failure at once.
// Thread-safe (one mutex, two condition variables).

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <string>

#include "notme/thread_annotations.h"

namespace notme::proxy {

class BytePipe {
 public:
  explicit BytePipe(size_t capacity) : capacity_(capacity) {}

  // Appends `n` bytes, blocking while the pipe is full. False when the pipe was aborted
  // (by either side) or the reader went away; the bytes are then dropped.
  bool Write(const char* data, size_t n) EXCLUDES(mu_);
  // Marks the end of the data: the reader sees EOF after draining.
  void Finish() EXCLUDES(mu_);
  // Aborts: pending and future Writes and Reads fail.
  void Abort() EXCLUDES(mu_);

  enum class ReadStatus { kData, kEof, kAborted };
  // Moves up to `max` queued bytes into `out` (replacing its contents), blocking until
  // there are some, EOF, or abort.
  ReadStatus Read(std::string& out, size_t max) EXCLUDES(mu_);

  bool aborted() const EXCLUDES(mu_);

 private:
  const size_t capacity_;
  mutable Mutex mu_;
  std::condition_variable_any can_write_;
  std::condition_variable_any can_read_;
  std::deque<std::string> chunks_ GUARDED_BY(mu_);
  size_t queued_ GUARDED_BY(mu_) = 0;
  bool finished_ GUARDED_BY(mu_) = false;
  bool aborted_ GUARDED_BY(mu_) = false;
};

}  // namespace notme::proxy
