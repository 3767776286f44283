#include "cli/sse_parser.h"

namespace notme::cli {

Result<void> SseParser::Feed(std::string_view bytes, const EventSink& sink) {
  if (failed_)
    return Fail(ErrorCode::kTooLarge, "event stream: an earlier line or event was too large");
  if (!started_ && !bytes.empty()) {
    // §9.2.6: one leading U+FEFF BYTE ORDER MARK is ignored. It may arrive split; only a
    // whole BOM at the very start counts, which is what real servers send.
    started_ = true;
    if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
  }
  for (char c : bytes) {
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') continue;  // the LF of a CR LF pair
    }
    if (c == '\r' || c == '\n') {
      after_cr_ = c == '\r';
      ProcessLine(line_, sink);
      line_.clear();
      if (data_.size() > max_event_bytes_) failed_ = true;
    } else {
      line_.push_back(c);
      if (line_.size() > max_event_bytes_) failed_ = true;
    }
    if (failed_) {
      line_.clear();
      data_.clear();
      return Fail(ErrorCode::kTooLarge, "event stream: a line or event exceeds " +
                                            std::to_string(max_event_bytes_) + " bytes");
    }
  }
  return Ok();
}

void SseParser::ProcessLine(std::string_view line, const EventSink& sink) {
  if (line.empty()) {
    // Dispatch (§9.2.6 "If the line is empty"): no data, no event; the type resets.
    if (has_data_) {
      SseEvent event;
      if (!type_.empty()) event.type = std::move(type_);
      if (!data_.empty() && data_.back() == '\n') data_.pop_back();
      event.data = std::move(data_);
      event.id = std::move(event_id_);
      sink(std::move(event));
    }
    type_.clear();
    data_.clear();
    has_data_ = false;
    event_id_.reset();
    return;
  }
  if (line.front() == ':') return;  // a comment (keep-alive)
  std::string_view field = line;
  std::string_view value;
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
    has_data_ = true;
  } else if (field == "event") {
    type_ = std::string(value);
  } else if (field == "id") {
    // An id containing NUL is ignored (§9.2.6).
    if (value.find('\0') == std::string_view::npos) {
      last_event_id_ = std::string(value);
      event_id_ = last_event_id_;
    }
  }
  // "retry" and unknown fields are ignored: the relay does not reconnect on its own.
}

}  // namespace notme::cli
