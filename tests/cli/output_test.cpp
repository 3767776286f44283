#include <doctest/doctest.h>

#include <cstdio>
#include <map>

#include "cli/output.h"

using namespace notme;
using namespace notme::cli;

namespace {
EnvLookup MapEnv(std::map<std::string, std::string> m) {
  return [m](std::string_view k) -> std::optional<std::string> {
    auto it = m.find(std::string(k));
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}
}  // namespace

TEST_SUITE("Output") {
  TEST_CASE("colour is off when the stream is not a terminal") {
    std::FILE* f = std::tmpfile();
    CHECK_FALSE(ShouldColor(f, MapEnv({})));
    std::fclose(f);
  }
  TEST_CASE("NO_COLOR turns colour off even on a terminal") {
    CHECK_FALSE(ShouldColor(stdout, MapEnv({{"NO_COLOR", "1"}})));
  }
  TEST_CASE("Paint adds SGR only with colour") {
    CHECK(Paint("x", Style::kRed, false) == "x");
    CHECK(Paint("x", Style::kRed, true) == "\x1b[31mx\x1b[0m");
  }
  TEST_CASE("control characters from untrusted text are replaced") {
    CHECK(Printable("a\x1b[2Jb\r\n\x7f") == "a?[2Jb???");
  }
  TEST_CASE("tables align columns and drop trailing spaces") {
    auto t = FormatTable({"NAME", "SCOPES"}, {{"claude", "git:sign"}, {"ci", "-"}}, false);
    CHECK(t == "NAME    SCOPES\nclaude  git:sign\nci      -\n");
  }
  TEST_CASE("table cells are sanitised") {
    auto t = FormatTable({"A"}, {{"x\x1b"}}, false);
    CHECK(t == "A\nx?\n");
  }
  TEST_CASE("durations are rounded down to one unit") {
    CHECK(HumanDuration(-5) == "0s");
    CHECK(HumanDuration(42) == "42s");
    CHECK(HumanDuration(600) == "10m");
    CHECK(HumanDuration(3 * 3600) == "3h");
    CHECK(HumanDuration(5 * 86400) == "5d");
  }
  TEST_CASE("times are shown in UTC") { CHECK(HumanTime(0) == "1970-01-01 00:00:00 UTC"); }
}
