#include "registration/registration_store.h"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>

#include "test_service.h"

using notme::ErrorCode;
using namespace notme::registration;
using notme::testing::TempDir;

namespace {
RegistrationRecord Record(std::string name) {
  RegistrationRecord r;
  r.name = std::move(name);
  r.agent = "claude";
  r.url = "https://api.example.com/";
  r.resource = "https://api.example.com/";
  r.authorization_server = "https://auth.example.com/";
  r.method = "anonymous";
  r.service_registration_id = "reg_1";
  r.credential_expires = 1800000000;
  r.scopes = {"api.read"};
  r.route = r.name;
  r.secret = "reg-" + r.name;
  return r;
}
void Write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
  ::chmod(p.c_str(), 0600);
}
}  // namespace

TEST_SUITE("RegistrationStore") {
  TEST_CASE("records and consents survive a reopen") {
    TempDir dir;
    {
      auto s = RegistrationStore::Open(dir.path).value();
      REQUIRE(s->Add(Record("claude-api")));
      REQUIRE(s->AddConsent("claude", "https://api.example.com/", 5));
    }
    auto s = RegistrationStore::Open(dir.path).value();
    auto r = s->Find("claude-api");
    REQUIRE(r);
    CHECK(*r->credential_expires == 1800000000);
    CHECK(s->FindByRoute("claude-api"));
    CHECK(s->HasConsent("claude", "https://api.example.com/"));
    CHECK_FALSE(s->HasConsent("other", "https://api.example.com/"));
    struct stat st {};
    REQUIRE(::stat((dir.path / "registrations.json").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }

  TEST_CASE("duplicates, unknown names and removals behave") {
    TempDir dir;
    auto s = RegistrationStore::Open(dir.path).value();
    REQUIRE(s->Add(Record("a")));
    CHECK(s->Add(Record("a")).error().code() == ErrorCode::kAlreadyExists);
    CHECK(s->Update(Record("b")).error().code() == ErrorCode::kNotFound);
    REQUIRE(s->Remove("a"));
    CHECK(s->Remove("a").error().code() == ErrorCode::kNotFound);
  }

  TEST_CASE("a broken file is refused, not repaired") {
    TempDir dir;
    for (const char* bad : {"{", R"({"version":2})", R"({"version":1,"registrations":{}})",
                            R"({"version":1,"registrations":[{"name":"a"}]})",
                            R"({"version":1,"registrations":[{"name":"A!","agent":"c","url":"u","resource":"r","authorization_server":"s","method":"m","service_registration_id":"i","status":"active"}]})",
                            R"({"version":1,"registrations":[{"name":"a","agent":"c","url":"u","resource":"r","authorization_server":"s","method":"m","service_registration_id":"i","status":"weird"}]})"}) {
      CAPTURE(bad);
      Write(dir.path / "registrations.json", bad);
      auto s = RegistrationStore::Open(dir.path);
      REQUIRE_FALSE(s);
      CHECK(s.error().code() == ErrorCode::kConfig);
    }
  }

  TEST_CASE("a group-writable file is refused") {
    TempDir dir;
    Write(dir.path / "registrations.json", R"({"version":1})");
    ::chmod((dir.path / "registrations.json").c_str(), 0664);
    CHECK_FALSE(RegistrationStore::Open(dir.path));
  }

  TEST_CASE("default names are valid route names") {
    CHECK(DefaultRegistrationName("claude", "api.service.example.com") == "claude-api-service-example-com");
    CHECK(IsValidRegistrationName(DefaultRegistrationName("claude", "::1")));
    CHECK(DefaultRegistrationName("a", std::string(200, 'x')).size() == 64);
    CHECK_FALSE(IsValidRegistrationName("-a"));
    CHECK_FALSE(IsValidRegistrationName("A"));
  }
}
