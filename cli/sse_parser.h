#pragma once
// SseParser: an incremental parser for a text/event-stream body (WHATWG HTML "Server-sent
// events", §9.2.6 "Interpreting an event stream"), the framing MCP's Streamable HTTP
// transport uses for responses that carry more than one JSON-RPC message.
//
// Bytes arrive in arbitrary chunks (a line, or a CR LF pair, may be split across two);
// each complete event (terminated by a blank line) is handed to the callback at once, so a
// stream is relayed as it arrives, never held whole. Lines end in CR LF, LF or CR; a
// leading BOM is skipped; ':' lines are comments; an event whose data buffer is empty is
// not dispatched; an event cut off by the end of the stream is dropped (the spec's rule).
// The input is untrusted: a line or an event larger than `max_event_bytes` fails the
// parser for good (kTooLarge), so memory stays bounded.
// Not thread-safe: one parser per response, used from one thread.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "notme/result.h"

namespace notme::cli {

struct SseEvent {
  std::string type = "message";   // the "event:" field, "message" when absent
  std::string data;               // "data:" lines joined with LF (no trailing LF)
  std::optional<std::string> id;  // the "id:" field of this event, if it had one
};

class SseParser {
 public:
  static constexpr size_t kDefaultMaxEventBytes = 16 * 1024 * 1024;
  explicit SseParser(size_t max_event_bytes = kDefaultMaxEventBytes)
      : max_event_bytes_(max_event_bytes) {}

  using EventSink = std::function<void(SseEvent&& event)>;
  // Parses `bytes`, calling `sink` for each event completed by them. Errors: kTooLarge
  // when a line or an event's data exceeds the limit; the parser then refuses all input.
  Result<void> Feed(std::string_view bytes, const EventSink& sink);

  // The last "id:" seen on the stream (the Last-Event-ID to resume from), "" if none.
  const std::string& last_event_id() const { return last_event_id_; }

 private:
  void ProcessLine(std::string_view line, const EventSink& sink);

  const size_t max_event_bytes_;
  std::string line_;       // the current, unfinished line
  bool after_cr_ = false;  // the previous byte was a CR (an LF next belongs to it)
  bool started_ = false;   // a first byte was seen (BOM check done)
  bool failed_ = false;
  std::string type_;
  std::string data_;
  bool has_data_ = false;
  std::optional<std::string> event_id_;
  std::string last_event_id_;
};

}  // namespace notme::cli
