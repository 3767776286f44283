#include "authority/agent_registry.h"

#include <doctest/doctest.h>

#include "authority/atomic_file.h"
#include "authority_test_util.h"

namespace notme::authority {
namespace {

using testing::ModeOf;
using testing::ReadAll;
using testing::TempDir;
using testing::WriteRaw;

constexpr int64_t kNow = 1'700'000'000;

const char* kGoodFile = R"({
  "version": 1,
  "agents": [
    {"name": "claude", "scopes": ["git:sign", "repo.read"],
     "audiences": ["https://api.example.com/"], "created_at": 1690000000}
  ]
})";

std::unique_ptr<AgentRegistry> LoadOk(const TempDir& dir, const Clock& clock) {
  auto registry = AgentRegistry::Load(dir.path(), clock);
  REQUIRE_MESSAGE(registry, registry.error().ToString());
  return std::move(*registry);
}

// Loads `text` as agents.json and expects a kConfig error that names the file; the file
// must be left exactly as it was. Returns the error message.
std::string LoadBroken(const std::string& text) {
  TempDir dir;
  FakeClock clock(kNow);
  const auto file = dir.path() / "agents.json";
  WriteRaw(file, text);
  auto registry = AgentRegistry::Load(dir.path(), clock);
  REQUIRE_FALSE(registry);
  CHECK(registry.error().code() == ErrorCode::kConfig);
  CHECK(registry.error().message().find(file.string()) != std::string::npos);
  CHECK(ReadAll(file) == text);
  return registry.error().message();
}

TEST_SUITE("AgentRegistry") {
  TEST_CASE("a missing file is an empty registry and is not created by loading") {
    TempDir dir;
    FakeClock clock(kNow);
    auto registry = LoadOk(dir, clock);
    CHECK(registry->size() == 0);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "agents.json"));
  }

  TEST_CASE("a valid file loads every field") {
    TempDir dir;
    FakeClock clock(kNow);
    WriteRaw(dir.path() / "agents.json", kGoodFile);
    auto registry = LoadOk(dir, clock);
    auto agent = registry->Get("claude");
    REQUIRE(agent);
    CHECK(agent->scopes == std::vector<std::string>{"git:sign", "repo.read"});
    CHECK(agent->audiences == std::vector<std::string>{"https://api.example.com/"});
    CHECK(agent->created_at == 1690000000);
  }

  TEST_CASE("an added agent is persisted atomically in a 0600 file and reloads identically") {
    TempDir dir;
    FakeClock clock(kNow);
    auto registry = LoadOk(dir, clock);
    auto added = registry->Add("claude", {"git:sign"}, {"https://api.example.com/"});
    REQUIRE_MESSAGE(added, added.error().ToString());
    CHECK(added->created_at == kNow);
    const auto file = dir.path() / "agents.json";
    CHECK(ModeOf(file) == 0600);
    // No temporary file is left behind.
    size_t entries = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
      (void)e;
      ++entries;
    }
    CHECK(entries == 1);
    auto reloaded = LoadOk(dir, clock);
    auto agent = reloaded->Get("claude");
    REQUIRE(agent);
    CHECK(*agent == *added);
  }

  TEST_CASE("adding an existing agent is refused") {
    TempDir dir;
    FakeClock clock(kNow);
    auto registry = LoadOk(dir, clock);
    REQUIRE(registry->Add("claude", {}, {}));
    auto again = registry->Add("claude", {"x"}, {});
    REQUIRE_FALSE(again);
    CHECK(again.error().code() == ErrorCode::kAlreadyExists);
  }

  TEST_CASE("invalid names, scopes and audiences are refused on add") {
    TempDir dir;
    FakeClock clock(kNow);
    auto registry = LoadOk(dir, clock);
    CHECK(registry->Add("Claude", {}, {}).error().code() == ErrorCode::kInvalidArgument);
    CHECK(registry->Add("-x", {}, {}).error().code() == ErrorCode::kInvalidArgument);
    CHECK(registry->Add("../etc", {}, {}).error().code() == ErrorCode::kInvalidArgument);
    CHECK(registry->Add("a", {"has space"}, {}).error().code() == ErrorCode::kInvalidArgument);
    CHECK(registry->Add("a", {"x", "x"}, {}).error().code() == ErrorCode::kInvalidArgument);
    CHECK(registry->Add("a", {}, {"relative/path"}).error().code() ==
          ErrorCode::kInvalidArgument);
    CHECK(registry->Add("a", {}, {"https://h/#f"}).error().code() ==
          ErrorCode::kInvalidArgument);
    CHECK(registry->size() == 0);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "agents.json"));
  }

  TEST_CASE("removing an agent persists and unknown agents are not found") {
    TempDir dir;
    FakeClock clock(kNow);
    auto registry = LoadOk(dir, clock);
    REQUIRE(registry->Add("claude", {}, {}));
    REQUIRE(registry->Add("codex", {}, {}));
    REQUIRE(registry->Remove("claude"));
    CHECK(registry->Get("claude").error().code() == ErrorCode::kNotFound);
    CHECK(registry->Remove("claude").error().code() == ErrorCode::kNotFound);
    auto reloaded = LoadOk(dir, clock);
    CHECK(reloaded->size() == 1);
    CHECK(reloaded->Get("codex"));
  }

  TEST_CASE("list is sorted by name") {
    TempDir dir;
    FakeClock clock(kNow);
    auto registry = LoadOk(dir, clock);
    REQUIRE(registry->Add("zed", {}, {}));
    REQUIRE(registry->Add("alpha", {}, {}));
    const auto agents = registry->List();
    REQUIRE(agents.size() == 2);
    CHECK(agents[0].name == "alpha");
    CHECK(agents[1].name == "zed");
  }

  TEST_CASE("a truncated file is refused with its line and column") {
    const std::string text = std::string(kGoodFile).substr(0, 60);
    const std::string e = LoadBroken(text);
    CHECK(e.find("line ") != std::string::npos);
    CHECK(e.find("column ") != std::string::npos);
  }

  TEST_CASE("an empty file is refused") { LoadBroken(""); }

  TEST_CASE("members of the wrong type are refused") {
    LoadBroken(R"({"version":1,"agents":{}})");
    LoadBroken(R"({"version":"1","agents":[]})");
    LoadBroken(R"({"version":1,"agents":[{"name":"a","scopes":"git:sign","audiences":[],"created_at":1}]})");
    LoadBroken(R"({"version":1,"agents":[{"name":"a","scopes":[1],"audiences":[],"created_at":1}]})");
    LoadBroken(R"({"version":1,"agents":[{"name":7,"scopes":[],"audiences":[],"created_at":1}]})");
    LoadBroken(R"({"version":1,"agents":[{"name":"a","scopes":[],"audiences":[],"created_at":1.5}]})");
    LoadBroken(R"({"version":1,"agents":[{"name":"a","scopes":[],"audiences":[],"created_at":-1}]})");
    LoadBroken(R"({"version":1,"agents":["a"]})");
    LoadBroken(R"([])");
  }

  TEST_CASE("missing and unknown members are refused") {
    LoadBroken(R"({"version":1})");
    LoadBroken(R"({"agents":[]})");
    LoadBroken(R"({"version":1,"agents":[{"name":"a","audiences":[],"created_at":1}]})");
    const std::string e = LoadBroken(
        R"({"version":1,"agents":[{"name":"a","scope":[],"scopes":[],"audiences":[],"created_at":1}]})");
    CHECK(e.find("\"scope\"") != std::string::npos);
    LoadBroken(R"({"version":1,"agents":[],"extra":true})");
  }

  TEST_CASE("an unsupported version is refused") { LoadBroken(R"({"version":2,"agents":[]})"); }

  TEST_CASE("an invalid agent name in the file is refused") {
    const std::string e = LoadBroken(
        R"({"version":1,"agents":[{"name":"Bad Name","scopes":[],"audiences":[],"created_at":1}]})");
    CHECK(e.find("agents[0]") != std::string::npos);
  }

  TEST_CASE("invalid scopes and audiences in the file are refused") {
    LoadBroken(R"({"version":1,"agents":[{"name":"a","scopes":["a b"],"audiences":[],"created_at":1}]})");
    LoadBroken(R"({"version":1,"agents":[{"name":"a","scopes":["x","x"],"audiences":[],"created_at":1}]})");
    LoadBroken(R"({"version":1,"agents":[{"name":"a","scopes":[],"audiences":["nope"],"created_at":1}]})");
  }

  TEST_CASE("an agent listed twice is refused") {
    const std::string e = LoadBroken(R"({"version":1,"agents":[
      {"name":"a","scopes":[],"audiences":[],"created_at":1},
      {"name":"a","scopes":["x"],"audiences":[],"created_at":2}]})");
    CHECK(e.find("more than once") != std::string::npos);
  }

  TEST_CASE("a duplicate member is refused rather than silently taking the last") {
    LoadBroken(
        R"({"version":1,"agents":[{"name":"a","name":"b","scopes":[],"audiences":[],"created_at":1}]})");
  }

  TEST_CASE("invalid UTF-8 is refused") {
    LoadBroken("{\"version\":1,\"agents\":[{\"name\":\"a\xff\",\"scopes\":[],\"audiences\":[],"
               "\"created_at\":1}]}");
  }

  TEST_CASE("a group-writable or symlinked file is refused as unsafe") {
    TempDir dir;
    FakeClock clock(kNow);
    const auto file = dir.path() / "agents.json";
    WriteRaw(file, kGoodFile, 0664);
    auto loaded = AgentRegistry::Load(dir.path(), clock);
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().code() == ErrorCode::kUnsafePath);

    TempDir other;
    WriteRaw(other.path() / "real.json", kGoodFile);
    std::filesystem::remove(file);
    std::filesystem::create_symlink(other.path() / "real.json", file);
    loaded = AgentRegistry::Load(dir.path(), clock);
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().code() == ErrorCode::kUnsafePath);
  }

  TEST_CASE("a file broken after loading keeps the old policy on reload") {
    TempDir dir;
    FakeClock clock(kNow);
    WriteRaw(dir.path() / "agents.json", kGoodFile);
    auto registry = LoadOk(dir, clock);
    const std::string broken = "{\"version\":1,\"agents\":[";
    WriteRaw(dir.path() / "agents.json", broken);
    auto reload = registry->Reload();
    REQUIRE_FALSE(reload);
    CHECK(reload.error().code() == ErrorCode::kConfig);
    CHECK(registry->Get("claude"));
  }

  TEST_CASE("a file broken by hand is never overwritten by add or remove") {
    TempDir dir;
    FakeClock clock(kNow);
    WriteRaw(dir.path() / "agents.json", kGoodFile);
    auto registry = LoadOk(dir, clock);
    const std::string broken = R"({"version":1,"agents":[{"name":"claude",)";
    WriteRaw(dir.path() / "agents.json", broken);
    auto added = registry->Add("codex", {}, {});
    REQUIRE_FALSE(added);
    CHECK(added.error().code() == ErrorCode::kConfig);
    CHECK_FALSE(registry->Remove("claude"));
    CHECK(ReadAll(dir.path() / "agents.json") == broken);
    CHECK(registry->Get("claude"));
  }

  TEST_CASE("a valid hand edit is kept when the daemon adds an agent") {
    TempDir dir;
    FakeClock clock(kNow);
    auto registry = LoadOk(dir, clock);
    WriteRaw(dir.path() / "agents.json", kGoodFile);
    REQUIRE(registry->Add("codex", {}, {}));
    auto reloaded = LoadOk(dir, clock);
    CHECK(reloaded->Get("claude"));
    CHECK(reloaded->Get("codex"));
  }

  TEST_CASE("reload picks up a valid change") {
    TempDir dir;
    FakeClock clock(kNow);
    auto registry = LoadOk(dir, clock);
    CHECK(registry->size() == 0);
    WriteRaw(dir.path() / "agents.json", kGoodFile);
    REQUIRE(registry->Reload());
    CHECK(registry->Get("claude"));
  }
}

TEST_SUITE("AtomicFile") {
  TEST_CASE("an atomic write replaces the file with a 0600 one") {
    TempDir dir;
    const auto file = dir.path() / "f.json";
    WriteRaw(file, "old", 0644);
    REQUIRE(WriteFileAtomically(file, "new"));
    CHECK(ReadAll(file) == "new");
    CHECK(ModeOf(file) == 0600);
  }

  TEST_CASE("a failed atomic write leaves no temporary file") {
    TempDir dir;
    const auto file = dir.path() / "missing-dir" / "f.json";
    CHECK_FALSE(WriteFileAtomically(file, "x"));
    CHECK(std::filesystem::is_empty(dir.path()));
  }

  TEST_CASE("reading refuses a file larger than the limit") {
    TempDir dir;
    const auto file = dir.path() / "big";
    WriteRaw(file, std::string(100, 'x'));
    auto read = ReadOwnerFile(file, 99);
    REQUIRE_FALSE(read);
    CHECK(read.error().code() == ErrorCode::kTooLarge);
  }
}

}  // namespace
}  // namespace notme::authority
