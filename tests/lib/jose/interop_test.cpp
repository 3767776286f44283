// Interop with an independent JOSE implementation: jwcrypto (python3-jwcrypto), run with
// Debian's /usr/bin/python3 through tests/interop/jose_interop.py. Tokens made here must
// verify there, and proofs made there must validate here.

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "base/clock.h"
#include "jose/base64url.h"
#include "jose/dpop.h"
#include "jose/json.h"
#include "jose/jwt.h"
#include "jose/kid.h"

namespace notme::jose {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/notme-jose-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string ScriptPath() {
  const char* src = std::getenv("NOTME_SOURCE_DIR");
  REQUIRE_MESSAGE(src != nullptr, "NOTME_SOURCE_DIR is set by ctest");
  return std::string(src) + "/tests/interop/jose_interop.py";
}

// Arguments are temp paths and fixed words: nothing secret, nothing from a user.
int RunScript(const std::string& args, const fs::path& out) {
  const std::string cmd =
      "/usr/bin/python3 '" + ScriptPath() + "' " + args + " > '" + out.string() + "' 2>&1";
  return std::system(cmd.c_str());
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
}

TEST_SUITE("JoseInterop") {
  TEST_CASE("jwcrypto verifies an EdDSA access token made by notme") {
    TempDir dir;
    auto key = crypto::Ed25519SecretKey::Generate();
    REQUIRE(key);
    const std::string kid = KidForEd25519(key->public_key());
    const int64_t now = SystemClock::Instance().NowSeconds();
    const nlohmann::json claims = {{"iss", "http://notme.localhost"},
                                   {"sub", "alice"},
                                   {"client_id", "agent-1"},
                                   {"aud", "https://api.example.com"},
                                   {"scope", "repo:read"},
                                   {"iat", now},
                                   {"nbf", now},
                                   {"exp", now + 300},
                                   {"jti", "interop-1"},
                                   {"cnf", {{"jkt", "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}}}};
    const auto token = SignJwt(claims, "at+jwt", kid, *key);
    REQUIRE(token);
    nlohmann::json jwk = PublicJwk::FromEd25519(key->public_key()).ToJson();
    jwk["kid"] = kid;
    jwk["alg"] = "EdDSA";
    jwk["use"] = "sig";
    WriteFile(dir.path() / "token", *token);
    WriteFile(dir.path() / "jwk.json", DumpCompact(jwk));

    const fs::path out = dir.path() / "out";
    const int rc = RunScript("verify-jwt '" + dir.path().string() + "'", out);
    const std::string output = ReadFile(out);
    REQUIRE_MESSAGE(rc == 0, output);
    const auto parsed = ParseStrictJson(output);
    REQUIRE(parsed);
    CHECK((*parsed)["claims"] == claims);
    CHECK((*parsed)["header"]["kid"] == kid);
  }

  TEST_CASE("jwcrypto rejects a notme token whose payload was altered") {
    TempDir dir;
    auto key = crypto::Ed25519SecretKey::Generate();
    REQUIRE(key);
    const int64_t now = SystemClock::Instance().NowSeconds();
    auto token = SignJwt({{"sub", "alice"}, {"exp", now + 300}}, "at+jwt", "k", *key);
    REQUIRE(token);
    const size_t a = token->find('.'), b = token->rfind('.');
    const std::string forged = token->substr(0, a + 1) +
                               Base64UrlEncode(std::string_view(R"({"sub":"mallory"})")) +
                               token->substr(b);
    WriteFile(dir.path() / "token", forged);
    WriteFile(dir.path() / "jwk.json", DumpCompact(PublicJwk::FromEd25519(key->public_key()).ToJson()));
    CHECK(RunScript("verify-jwt '" + dir.path().string() + "'", dir.path() / "out") != 0);
  }

  TEST_CASE("DPoP proofs made by jwcrypto validate here and a tampered one does not") {
    TempDir dir;
    const int64_t now = SystemClock::Instance().NowSeconds();
    const std::string htu = "http://notme.localhost/token";
    const std::string access_token = "interop-access-token";
    const int rc = RunScript("make-proofs '" + dir.path().string() + "' POST '" + htu + "' " +
                                 std::to_string(now) + " " + access_token,
                             dir.path() / "out");
    REQUIRE_MESSAGE(rc == 0, ReadFile(dir.path() / "out"));

    FakeClock clock(now);
    InMemoryReplayCache cache(100, clock);
    DpopValidator validator(DpopOptions{}, clock, cache);

    const auto eddsa = validator.Validate(ReadFile(dir.path() / "eddsa_proof"), "POST", htu, {});
    REQUIRE_MESSAGE(eddsa, eddsa.error().ToString());
    CHECK(eddsa->algorithm() == JwsAlgorithm::kEdDSA);
    CHECK(eddsa->jkt() == ReadFile(dir.path() / "eddsa_jkt"));

    const auto es256 = validator.Validate(ReadFile(dir.path() / "es256_proof"), "POST", htu,
                                          std::string_view(access_token));
    REQUIRE_MESSAGE(es256, es256.error().ToString());
    CHECK(es256->algorithm() == JwsAlgorithm::kES256);
    CHECK(es256->jkt() == ReadFile(dir.path() / "es256_jkt"));

    const auto tampered =
        validator.Validate(ReadFile(dir.path() / "tampered_proof"), "POST", htu, {});
    REQUIRE_FALSE(tampered);
    CHECK(tampered.error().code() == ErrorCode::kInvalidDpopProof);

    // And jwcrypto's proofs are single-use here as well.
    CHECK_FALSE(validator.Validate(ReadFile(dir.path() / "eddsa_proof"), "POST", htu, {}));
  }
}

}  // namespace
}  // namespace notme::jose
