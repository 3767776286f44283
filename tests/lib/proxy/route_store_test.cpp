#include "proxy/route_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace notme::proxy {
namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/notme-routes-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

Route MakeRoute(const std::string& name) {
  RouteSpec s;
  s.name = name;
  s.upstream = "https://api.example.com/v1";
  s.secret = "key-" + name;
  return ValidateRouteSpec(s, 7).value();
}

void WriteFile(const std::filesystem::path& p, const std::string& text, mode_t mode = 0600) {
  std::ofstream(p) << text;
  chmod(p.c_str(), mode);
}

}  // namespace

TEST_SUITE("RouteStore") {
  TEST_CASE("a missing routes.json is an empty store") {
    TempDir dir;
    auto store = RouteStore::Open(dir.path);
    REQUIRE(store.has_value());
    CHECK((*store)->List().empty());
  }

  TEST_CASE("added routes persist with mode 0600 and survive reopening") {
    TempDir dir;
    {
      auto store = RouteStore::Open(dir.path).value();
      REQUIRE(store->Add(MakeRoute("one")).has_value());
      REQUIRE(store->Add(MakeRoute("two")).has_value());
    }
    struct stat st {};
    REQUIRE(stat((dir.path / "routes.json").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto store = RouteStore::Open(dir.path).value();
    CHECK(store->List().size() == 2);
    auto one = store->Find("one");
    REQUIRE(one != nullptr);
    CHECK(one->secret == "key-one");
    CHECK(one->upstream.base_path == "/v1");
  }

  TEST_CASE("adding an existing name fails and removing an unknown one is not found") {
    TempDir dir;
    auto store = RouteStore::Open(dir.path).value();
    REQUIRE(store->Add(MakeRoute("one")).has_value());
    auto dup = store->Add(MakeRoute("one"));
    REQUIRE_FALSE(dup.has_value());
    CHECK(dup.error().code() == ErrorCode::kAlreadyExists);
    auto rm = store->Remove("nope");
    REQUIRE_FALSE(rm.has_value());
    CHECK(rm.error().code() == ErrorCode::kNotFound);
    auto held = store->Find("one");  // e.g. by a request in flight
    REQUIRE(store->Remove("one").has_value());
    CHECK(store->Find("one") == nullptr);
    CHECK(held->name == "one");  // still valid after the remove
  }

  TEST_CASE("broken files are refused, not partly used") {
    for (const char* bad :
         {"", "[]", "{\"version\":2,\"routes\":[]}", "{\"version\":1}", "{\"version\":1,\"routes\":{}}",
          "{\"version\":1,\"routes\":[],\"extra\":1}", "{\"version\":1,\"routes\":[{\"name\":\"x\"}]}",
          "{\"version\":1,\"routes\":[1]}", "{\"version\":\"1\",\"routes\":[]}", "{\"version\":1,\"routes\":[]"}) {
      CAPTURE(bad);
      TempDir dir;
      WriteFile(dir.path / "routes.json", bad);
      auto store = RouteStore::Open(dir.path);
      REQUIRE_FALSE(store.has_value());
      CHECK(store.error().code() == ErrorCode::kConfig);
    }
  }

  TEST_CASE("duplicate route names in the file are refused") {
    TempDir dir;
    auto text = SerializeRoutesFile({{"a", MakeRoute("a")}});
    auto j = nlohmann::json::parse(text);
    j["routes"].push_back(j["routes"][0]);
    WriteFile(dir.path / "routes.json", j.dump());
    CHECK_FALSE(RouteStore::Open(dir.path).has_value());
  }

  TEST_CASE("a group-readable or symlinked file is unsafe") {
    TempDir dir;
    WriteFile(dir.path / "routes.json", "{\"version\":1,\"routes\":[]}", 0644);
    auto store = RouteStore::Open(dir.path);
    REQUIRE_FALSE(store.has_value());
    CHECK(store.error().code() == ErrorCode::kUnsafePath);
    TempDir dir2;
    WriteFile(dir2.path / "real.json", "{\"version\":1,\"routes\":[]}");
    std::filesystem::create_symlink(dir2.path / "real.json", dir2.path / "routes.json");
    auto linked = RouteStore::Open(dir2.path);
    REQUIRE_FALSE(linked.has_value());
    CHECK(linked.error().code() == ErrorCode::kUnsafePath);
  }

  TEST_CASE("a failed reload keeps the routes in effect") {
    TempDir dir;
    auto store = RouteStore::Open(dir.path).value();
    REQUIRE(store->Add(MakeRoute("one")).has_value());
    WriteFile(dir.path / "routes.json", "garbage");
    CHECK_FALSE(store->Reload().has_value());
    CHECK(store->Find("one") != nullptr);
  }
}

}  // namespace notme::proxy
