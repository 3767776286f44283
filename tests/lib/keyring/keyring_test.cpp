#include "keyring/keyring.h"

#include <doctest/doctest.h>

#include <string>

#include "keyring/open_keyring.h"

namespace notme::keyring {

TEST_SUITE("KeyringNames") {
  TEST_CASE("the fixed names parse to their kinds") {
    CHECK(*ParseName("ssh-ca") == Kind::kSshCa);
    CHECK(*ParseName("idjag-provider") == Kind::kIdjagProvider);
    CHECK(*ParseName("secret/github") == Kind::kSecret);
    CHECK(*ParseName("secret/A.b_c-9") == Kind::kSecret);
  }

  TEST_CASE("SecretEntryName prefixes a valid secret name") {
    auto name = SecretEntryName("openai-key");
    REQUIRE(name.has_value());
    CHECK(*name == "secret/openai-key");
    CHECK(*ParseName(*name) == Kind::kSecret);
  }

  TEST_CASE("malformed entry names are rejected") {
    for (const char* bad :
         {"", "ssh-ca/", "ssh-ca2", "SSH-CA", "secret", "secret/", "secret/.hidden",
          "secret/-dash", "secret/a/b", "secret/a b", "secret/..", "secret/a\n",
          "idjag-provider/x", "other/x", "/secret/x"}) {
      CAPTURE(bad);
      auto r = ParseName(bad);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code() == ErrorCode::kInvalidArgument);
    }
    CHECK_FALSE(ParseName(std::string("secret/a\0b", 10)).has_value());
  }

  TEST_CASE("secret names are limited to 128 characters") {
    CHECK(IsValidSecretName(std::string(128, 'a')));
    CHECK_FALSE(IsValidSecretName(std::string(129, 'a')));
    CHECK_FALSE(SecretEntryName(std::string(129, 'a')).has_value());
    CHECK_FALSE(SecretEntryName("").has_value());
    CHECK_FALSE(SecretEntryName("x\xc3\xa9").has_value());
  }

  TEST_CASE("kind names are stable") {
    CHECK(KindName(Kind::kSshCa) == "ssh-ca");
    CHECK(KindName(Kind::kIdjagProvider) == "idjag-provider");
    CHECK(KindName(Kind::kSecret) == "secret");
  }
}

TEST_SUITE("KeyringMode") {
  TEST_CASE("the three modes parse and print back") {
    for (const char* m : {"auto", "secret-service", "ephemeral"}) {
      auto mode = ParseMode(m);
      REQUIRE(mode.has_value());
      CHECK(ModeName(*mode) == m);
    }
  }

  TEST_CASE("unknown modes are rejected") {
    for (const char* bad : {"", "Auto", "secret_service", "keychain", "ephemeral "}) {
      CAPTURE(bad);
      auto r = ParseMode(bad);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code() == ErrorCode::kInvalidArgument);
    }
  }

  TEST_CASE("ephemeral mode opens without a warning") {
    std::string warning = "stale";
    auto k = OpenKeyring(Mode::kEphemeral, &warning);
    REQUIRE(k.has_value());
    CHECK((*k)->Backend() == "ephemeral");
    CHECK(warning.empty());
  }
}

}  // namespace notme::keyring
