#pragma once
// CLI11, included once for the whole CLI. g++ 12 reports a false -Wnull-dereference in
// CLI11's own CLI::detail::split (vector<string>::emplace_back after inlining); the
// pragma covers CLI11's lines only, so our code keeps the warning.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#endif
#include <CLI/CLI.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
