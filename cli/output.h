#pragma once
// Human output: colour (only on a terminal, never with NO_COLOR or TERM=dumb), aligned
// tables, durations, and sanitising of strings that came from the daemon or a file.
// Stateless apart from the colour decision passed in; thread-compatible.

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "notme/paths.h"

namespace notme::cli {

// Colour only when `stream` is a terminal, NO_COLOR is unset or empty (no-color.org) and
// TERM is not "dumb".
bool ShouldColor(std::FILE* stream, const EnvLookup& env);

enum class Style { kBold, kDim, kGreen, kYellow, kRed, kCyan };
// `text` wrapped in the SGR sequence for `style` when `color`, else unchanged.
std::string Paint(std::string_view text, Style style, bool color);

// Replaces control characters (C0, DEL, C1 as raw bytes) with '?', so text from the
// daemon, a token or a file cannot drive the terminal.
std::string Printable(std::string_view text);

// Left-aligned columns separated by two spaces; the header row bold when `color`. Cells
// are passed through Printable. Width counts bytes (UTF-8 names may misalign; harmless).
std::string FormatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows, bool color);

// "42s", "5m", "3h", "2d" (rounded down); negative durations as "0s".
std::string HumanDuration(int64_t seconds);
// "2026-11-23 11:28:30 UTC" for a Unix time.
std::string HumanTime(int64_t unix_seconds);

}  // namespace notme::cli
