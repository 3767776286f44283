#pragma once
// Man page (troff) and bash/zsh/fish completions generated from the CLI11 command tree,
// so documentation cannot drift from the parser and commands other groups add appear
// automatically. Hidden commands (empty group) are left out. Pure over the tree.

#include <string>
#include <string_view>

namespace CLI {
class App;
}

namespace notme::cli {

// kind: "man", "bash", "zsh" or "fish" (anything else: empty string).
std::string Generate(const CLI::App& app, std::string_view kind);

}  // namespace notme::cli
