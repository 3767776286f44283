#include "jose/dpop.h"

#include <doctest/doctest.h>

#include "crypto/sha256.h"
#include "jose/base64url.h"
#include "jose/json.h"
#include "jose_test_util.h"

namespace notme::jose {
namespace {

using testing::B64;
using testing::KeyFromSeedHex;
using testing::SignRaw;

constexpr int64_t kNow = 1'800'000'000;
constexpr const char* kHtu = "http://notme.localhost/token";

// RFC 9449 §4.1 (token request) and §7.1 (resource request) example proofs, the access
// token of §7.1, and the §6.1 thumbprint of the example key (jwcrypto agrees).
constexpr const char* kRfcHeaderB64 =
    "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNo"
    "UklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERW"
    "clUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19";
constexpr const char* kRfcTokenProofRest =
    ".eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUu"
    "Y29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXi"
    "OSsX0x7NVY-FNyJK70nfbV37xRZT3Lg";
constexpr const char* kRfcResourceProofRest =
    ".eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxl"
    "Lm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMH"
    "hXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9.2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw"
    "6Fy1dqd-jfxSYoMxhAJpLjA";
constexpr const char* kRfcAccessToken = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
constexpr const char* kRfcJkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";

struct Fixture {
  FakeClock clock{kNow};
  InMemoryReplayCache cache{1000, clock};
  DpopValidator validator{DpopOptions{}, clock, cache};
  crypto::Ed25519SecretKey client = KeyFromSeedHex(testing::kOtherSeedHex);
  crypto::Ed25519SecretKey stranger = KeyFromSeedHex(testing::kRfc8037SeedHex);

  nlohmann::json Header() const {
    return {{"typ", "dpop+jwt"},
            {"alg", "EdDSA"},
            {"jwk", PublicJwk::FromEd25519(client.public_key()).ToJson()}};
  }
  nlohmann::json Claims() const {
    return {{"jti", "id-1"}, {"htm", "POST"}, {"htu", kHtu}, {"iat", kNow}};
  }
  std::string Proof(const nlohmann::json& header, const nlohmann::json& claims) const {
    return SignRaw(DumpCompact(header), DumpCompact(claims), client);
  }
  Result<VerifiedDpopProof> Check(const std::string& proof,
                                  std::optional<std::string_view> token = std::nullopt) const {
    return validator.Validate(proof, "POST", kHtu, token);
  }
  Error ErrorOf(const std::string& proof,
                std::optional<std::string_view> token = std::nullopt) const {
    const auto r = Check(proof, token);
    REQUIRE_FALSE(r);
    return r.error();
  }
  // Expects kInvalidDpopProof whose message mentions `what`.
  void ExpectInvalid(const std::string& proof, std::string_view what,
                     std::optional<std::string_view> token = std::nullopt) const {
    const Error e = ErrorOf(proof, token);
    CHECK(e.code() == ErrorCode::kInvalidDpopProof);
    CHECK_MESSAGE(e.message().find(what) != std::string::npos, e.message());
  }
};

TEST_SUITE("Dpop") {
  TEST_CASE_FIXTURE(Fixture, "a proof made by CreateDpopProof validates") {
    const auto proof = CreateDpopProof(client, "POST", kHtu, kNow);
    REQUIRE(proof);
    const auto v = Check(*proof);
    REQUIRE(v);
    CHECK(v->jkt() == PublicJwk::FromEd25519(client.public_key()).Thumbprint());
    CHECK(v->algorithm() == JwsAlgorithm::kEdDSA);
    CHECK(v->htm() == "POST");
    CHECK(v->htu() == kHtu);
    CHECK(v->iat() == kNow);
    CHECK(v->jti().size() == 22);
    CHECK_FALSE(v->nonce());
  }

  TEST_CASE_FIXTURE(Fixture, "created proofs carry distinct random jtis") {
    const auto a = CreateDpopProof(client, "POST", kHtu, kNow);
    const auto b = CreateDpopProof(client, "POST", kHtu, kNow);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(*a != *b);
    CHECK(Check(*a));
    CHECK(Check(*b));
  }

  TEST_CASE_FIXTURE(Fixture, "a created proof has the RFC 9449 header and claims") {
    const auto proof = CreateDpopProof(client, "GET", "https://api.example/x", kNow, "n1", "tok");
    REQUIRE(proof);
    const auto header = ParseStrictJson(*Base64UrlDecodeToString(proof->substr(0, proof->find('.'))));
    REQUIRE(header);
    CHECK((*header)["typ"] == "dpop+jwt");
    CHECK((*header)["alg"] == "EdDSA");
    CHECK((*header)["jwk"] == PublicJwk::FromEd25519(client.public_key()).ToJson());
    const auto v = validator.Validate(*proof, "GET", "https://api.example/x", "tok");
    REQUIRE(v);
    CHECK(v->nonce() == "n1");
  }

  TEST_CASE("RFC 9449 section 4.1 ES256 token request proof validates with jkt of section 6.1") {
    FakeClock clock(1562262616);
    InMemoryReplayCache cache(10, clock);
    DpopValidator validator(DpopOptions{}, clock, cache);
    const std::string proof = std::string(kRfcHeaderB64) + kRfcTokenProofRest;
    const auto v = validator.Validate(proof, "POST", "https://server.example.com/token", {});
    REQUIRE(v);
    CHECK(v->jkt() == kRfcJkt);
    CHECK(v->algorithm() == JwsAlgorithm::kES256);
    CHECK(v->jti() == "-BwC3ESc6acc2lTc");
  }

  TEST_CASE("RFC 9449 section 7.1 resource proof validates with its access token") {
    FakeClock clock(1562262618);
    InMemoryReplayCache cache(10, clock);
    DpopValidator validator(DpopOptions{}, clock, cache);
    const std::string proof = std::string(kRfcHeaderB64) + kRfcResourceProofRest;
    const auto v = validator.Validate(proof, "GET", "https://resource.example.org/protectedresource",
                                      kRfcAccessToken);
    REQUIRE(v);
    CHECK(v->jkt() == kRfcJkt);
    // The same proof with a different token fails on ath.
    InMemoryReplayCache cache2(10, clock);
    DpopValidator validator2(DpopOptions{}, clock, cache2);
    const auto wrong = validator2.Validate(proof, "GET",
                                           "https://resource.example.org/protectedresource",
                                           "another-token");
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().message().find("ath") != std::string::npos);
  }

  TEST_CASE("the RFC 9449 proof is refused when the server only allows EdDSA") {
    FakeClock clock(1562262616);
    InMemoryReplayCache cache(10, clock);
    DpopOptions options;
    options.allowed_algs = {JwsAlgorithm::kEdDSA};
    DpopValidator validator(options, clock, cache);
    const auto r = validator.Validate(std::string(kRfcHeaderB64) + kRfcTokenProofRest, "POST",
                                      "https://server.example.com/token", {});
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("alg not allowed") != std::string::npos);
  }

  TEST_CASE_FIXTURE(Fixture, "htu matches after scheme, host, port and path normalisation") {
    auto c = Claims();
    c["htu"] = "HTTP://Notme.LOCALHOST:80/./token";
    CHECK(Check(Proof(Header(), c)));
  }

  TEST_CASE_FIXTURE(Fixture, "the server URL's own query is ignored") {
    const auto v = validator.Validate(Proof(Header(), Claims()), "POST",
                                      std::string(kHtu) + "?x=1", std::nullopt);
    CHECK(v);
  }

  TEST_CASE_FIXTURE(Fixture, "a replayed jti is rejected") {
    const std::string proof = Proof(Header(), Claims());
    CHECK(Check(proof));
    ExpectInvalid(proof, "replayed jti");
  }

  TEST_CASE_FIXTURE(Fixture, "a replay is rejected even when re-signed with the same key") {
    CHECK(Check(Proof(Header(), Claims())));
    auto c = Claims();
    c["iat"] = kNow + 1;
    ExpectInvalid(Proof(Header(), c), "replayed jti");
  }

  TEST_CASE_FIXTURE(Fixture, "the same jti from another key is not a replay") {
    CHECK(Check(Proof(Header(), Claims())));
    auto h = Header();
    h["jwk"] = PublicJwk::FromEd25519(stranger.public_key()).ToJson();
    CHECK(Check(SignRaw(DumpCompact(h), DumpCompact(Claims()), stranger)));
  }

  TEST_CASE_FIXTURE(Fixture, "a proof is accepted again only after its window has passed") {
    const std::string proof = Proof(Header(), Claims());
    CHECK(Check(proof));
    clock.Advance(61);
    ExpectInvalid(proof, "iat too old");  // never replayable: the window check comes first
  }

  TEST_CASE_FIXTURE(Fixture, "a full replay cache fails closed") {
    InMemoryReplayCache tiny(1, clock);
    DpopValidator v(DpopOptions{}, clock, tiny);
    CHECK(v.Validate(Proof(Header(), Claims()), "POST", kHtu, std::nullopt));
    auto c = Claims();
    c["jti"] = "id-2";
    const auto r = v.Validate(Proof(Header(), c), "POST", kHtu, std::nullopt);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUnavailable);
  }

  TEST_CASE_FIXTURE(Fixture, "a wrong or missing typ is rejected") {
    auto h = Header();
    h["typ"] = "jwt";
    ExpectInvalid(Proof(h, Claims()), "typ");
    h["typ"] = "at+jwt";
    ExpectInvalid(Proof(h, Claims()), "typ");
    h.erase("typ");
    ExpectInvalid(Proof(h, Claims()), "typ");
  }

  TEST_CASE_FIXTURE(Fixture, "alg none is rejected") {
    auto h = Header();
    h["alg"] = "none";
    ExpectInvalid(B64(DumpCompact(h)) + "." + B64(DumpCompact(Claims())) + ".", "empty signature");
    ExpectInvalid(Proof(h, Claims()), "alg not allowed");
  }

  TEST_CASE_FIXTURE(Fixture, "HS256 is rejected") {
    auto h = Header();
    h["alg"] = "HS256";
    ExpectInvalid(Proof(h, Claims()), "alg not allowed");
    h["alg"] = "HS512";
    ExpectInvalid(Proof(h, Claims()), "alg not allowed");
  }

  TEST_CASE_FIXTURE(Fixture, "a missing or non-string alg is rejected") {
    auto h = Header();
    h.erase("alg");
    ExpectInvalid(Proof(h, Claims()), "alg");
    h["alg"] = 1;
    ExpectInvalid(Proof(h, Claims()), "alg");
  }

  TEST_CASE_FIXTURE(Fixture, "an alg that does not match the jwk's key type is rejected") {
    auto h = Header();
    h["alg"] = "ES256";
    ExpectInvalid(Proof(h, Claims()), "key type");
  }

  TEST_CASE_FIXTURE(Fixture, "a jwk carrying the private key is rejected") {
    auto h = Header();
    h["jwk"]["d"] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const Error e = ErrorOf(Proof(h, Claims()));
    CHECK(e.code() == ErrorCode::kInvalidDpopProof);
    CHECK(e.message().find("private") != std::string::npos);
    CHECK(e.message().find("nWGxne") == std::string::npos);
  }

  TEST_CASE_FIXTURE(Fixture, "a missing, malformed or unsupported jwk is rejected") {
    auto h = Header();
    h.erase("jwk");
    ExpectInvalid(Proof(h, Claims()), "missing jwk");
    h["jwk"] = "OKP";
    ExpectInvalid(Proof(h, Claims()), "jwk");
    h["jwk"] = {{"kty", "oct"}, {"crv", "x"}};
    ExpectInvalid(Proof(h, Claims()), "jwk");
    h["jwk"] = {{"kty", "RSA"}, {"crv", "x"}, {"n", "AQAB"}, {"e", "AQAB"}};
    ExpectInvalid(Proof(h, Claims()), "jwk");
  }

  TEST_CASE_FIXTURE(Fixture, "a proof signed by a key other than its jwk is rejected") {
    const std::string proof = SignRaw(DumpCompact(Header()), DumpCompact(Claims()), stranger);
    ExpectInvalid(proof, "does not verify");
  }

  TEST_CASE_FIXTURE(Fixture, "a tampered claim set is rejected") {
    std::string proof = Proof(Header(), Claims());
    const size_t dot = proof.find('.');
    auto c = Claims();
    c["htm"] = "GET";
    const std::string swapped = proof.substr(0, dot + 1) + B64(DumpCompact(c)) +
                                proof.substr(proof.rfind('.'));
    CHECK(ErrorOf(swapped).code() == ErrorCode::kInvalidDpopProof);
  }

  TEST_CASE_FIXTURE(Fixture, "missing required claims are rejected") {
    for (const char* name : {"jti", "htm", "htu", "iat"}) {
      auto c = Claims();
      c.erase(name);
      ExpectInvalid(Proof(Header(), c), std::string("missing ") + name);
    }
  }

  TEST_CASE_FIXTURE(Fixture, "claims of the wrong JSON type are rejected") {
    for (const char* name : {"jti", "htm", "htu", "nonce", "ath"}) {
      auto c = Claims();
      c[name] = 42;
      CHECK(ErrorOf(Proof(Header(), c), std::string_view("t")).code() ==
            ErrorCode::kInvalidDpopProof);
    }
    auto c = Claims();
    c["iat"] = std::to_string(kNow);
    ExpectInvalid(Proof(Header(), c), "iat is not an integer");
    c["iat"] = static_cast<double>(kNow) + 0.5;
    ExpectInvalid(Proof(Header(), c), "iat is not an integer");
  }

  TEST_CASE_FIXTURE(Fixture, "an empty or overlong jti is rejected") {
    auto c = Claims();
    c["jti"] = "";
    ExpectInvalid(Proof(Header(), c), "jti length");
    c["jti"] = std::string(kMaxJtiLength + 1, 'j');
    ExpectInvalid(Proof(Header(), c), "jti length");
    c["jti"] = std::string(kMaxJtiLength, 'j');
    CHECK(Check(Proof(Header(), c)));
  }

  TEST_CASE_FIXTURE(Fixture, "htm is compared case-sensitively") {
    auto c = Claims();
    c["htm"] = "post";
    ExpectInvalid(Proof(Header(), c), "htm");
    c["htm"] = "GET";
    ExpectInvalid(Proof(Header(), c), "htm");
    c["htm"] = "POST ";
    ExpectInvalid(Proof(Header(), c), "htm");
  }

  TEST_CASE_FIXTURE(Fixture, "an htu with a query is rejected") {
    auto c = Claims();
    c["htu"] = std::string(kHtu) + "?grant_type=client_credentials";
    ExpectInvalid(Proof(Header(), c), "query or fragment");
    c["htu"] = std::string(kHtu) + "?";
    ExpectInvalid(Proof(Header(), c), "query or fragment");
  }

  TEST_CASE_FIXTURE(Fixture, "an htu with a fragment is rejected") {
    auto c = Claims();
    c["htu"] = std::string(kHtu) + "#frag";
    ExpectInvalid(Proof(Header(), c), "query or fragment");
  }

  TEST_CASE_FIXTURE(Fixture, "an htu for another endpoint, host, scheme or port is rejected") {
    for (const char* htu :
         {"http://notme.localhost/introspect", "http://notme.localhost/token/",
          "http://notme.localhost/Token", "https://notme.localhost/token",
          "http://evil.localhost/token", "http://notme.localhost:8080/token",
          "http://notme.localhost"}) {
      auto c = Claims();
      c["htu"] = htu;
      ExpectInvalid(Proof(Header(), c), "htu does not match");
    }
  }

  TEST_CASE_FIXTURE(Fixture, "an htu that is not an http URL is rejected") {
    for (const char* htu : {"/token", "notme.localhost/token", "ftp://notme.localhost/token",
                            "http://user@notme.localhost/token", ""}) {
      auto c = Claims();
      c["htu"] = htu;
      ExpectInvalid(Proof(Header(), c), "htu");
    }
  }

  TEST_CASE_FIXTURE(Fixture, "a stale iat is rejected") {
    auto c = Claims();
    c["iat"] = kNow - 61;
    ExpectInvalid(Proof(Header(), c), "iat too old");
    c["iat"] = kNow - 60;
    CHECK(Check(Proof(Header(), c)));
  }

  TEST_CASE_FIXTURE(Fixture, "a future iat is rejected") {
    auto c = Claims();
    c["iat"] = kNow + 6;
    ExpectInvalid(Proof(Header(), c), "iat in the future");
    c["iat"] = INT64_MAX;
    ExpectInvalid(Proof(Header(), c), "iat in the future");
    c["iat"] = kNow + 5;
    CHECK(Check(Proof(Header(), c)));
  }

  TEST_CASE_FIXTURE(Fixture, "a required nonce that is missing asks for a nonce") {
    DpopOptions options;
    options.require_nonce = true;
    options.nonce_checker = [](std::string_view n) { return n == "good"; };
    DpopValidator v(options, clock, cache);
    const auto r = v.Validate(Proof(Header(), Claims()), "POST", kHtu, std::nullopt);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUseDpopNonce);
  }

  TEST_CASE_FIXTURE(Fixture, "a stale nonce asks for a new one and a good one passes") {
    DpopOptions options;
    options.require_nonce = true;
    options.nonce_checker = [](std::string_view n) { return n == "good"; };
    DpopValidator v(options, clock, cache);
    auto c = Claims();
    c["nonce"] = "stale";
    const auto r = v.Validate(Proof(Header(), c), "POST", kHtu, std::nullopt);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUseDpopNonce);
    c["nonce"] = "good";
    const auto ok = v.Validate(Proof(Header(), c), "POST", kHtu, std::nullopt);
    REQUIRE(ok);
    CHECK(ok->nonce() == "good");
  }

  TEST_CASE_FIXTURE(Fixture, "a required nonce without a checker fails closed") {
    DpopOptions options;
    options.require_nonce = true;
    DpopValidator v(options, clock, cache);
    auto c = Claims();
    c["nonce"] = "anything";
    const auto r = v.Validate(Proof(Header(), c), "POST", kHtu, std::nullopt);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUseDpopNonce);
  }

  TEST_CASE_FIXTURE(Fixture, "a matching ath binds the proof to the access token") {
    auto c = Claims();
    c["ath"] = Base64UrlEncode(crypto::Sha256(std::string_view("the-token")));
    CHECK(Check(Proof(Header(), c), std::string_view("the-token")));
  }

  TEST_CASE_FIXTURE(Fixture, "a wrong ath is rejected") {
    auto c = Claims();
    c["ath"] = Base64UrlEncode(crypto::Sha256(std::string_view("other-token")));
    ExpectInvalid(Proof(Header(), c), "ath does not match", std::string_view("the-token"));
    c["ath"] = Base64UrlEncode(crypto::Sha256(std::string_view("the-token"))) + "A";
    ExpectInvalid(Proof(Header(), c), "ath does not match", std::string_view("the-token"));
  }

  TEST_CASE_FIXTURE(Fixture, "a missing ath with an access token is rejected") {
    ExpectInvalid(Proof(Header(), Claims()), "missing ath", std::string_view("the-token"));
  }

  TEST_CASE_FIXTURE(Fixture, "an ath without an access token is rejected") {
    auto c = Claims();
    c["ath"] = Base64UrlEncode(crypto::Sha256(std::string_view("the-token")));
    ExpectInvalid(Proof(Header(), c), "ath without");
  }

  TEST_CASE_FIXTURE(Fixture, "a proof over 8 KiB is rejected") {
    auto c = Claims();
    c["pad"] = std::string(8000, 'p');
    ExpectInvalid(Proof(Header(), c), "8 KiB");
  }

  TEST_CASE_FIXTURE(Fixture, "duplicate header members are rejected") {
    const std::string jwk = DumpCompact(Header()["jwk"]);
    const std::string header =
        R"({"typ":"dpop+jwt","alg":"EdDSA","alg":"ES256","jwk":)" + jwk + "}";
    ExpectInvalid(SignRaw(header, DumpCompact(Claims()), client), "duplicate member");
    const std::string nested = R"({"typ":"dpop+jwt","alg":"EdDSA","jwk":{"kty":"OKP","crv":)"
                               R"("Ed25519","x":"AAAA","x":)" +
                               DumpCompact(Header()["jwk"]["x"]) + "}}";
    ExpectInvalid(SignRaw(nested, DumpCompact(Claims()), client), "duplicate member");
  }

  TEST_CASE_FIXTURE(Fixture, "duplicate claims are rejected") {
    const std::string claims = R"({"jti":"a","jti":"b","htm":"POST","htu":")" +
                               std::string(kHtu) + R"(","iat":)" + std::to_string(kNow) + "}";
    ExpectInvalid(SignRaw(DumpCompact(Header()), claims, client), "duplicate member \"jti\"");
  }

  TEST_CASE_FIXTURE(Fixture, "an unknown crit header is rejected") {
    auto h = Header();
    h["crit"] = {"x-notme"};
    h["x-notme"] = true;
    ExpectInvalid(Proof(h, Claims()), "crit");
  }

  TEST_CASE_FIXTURE(Fixture, "deeply nested claims are rejected") {
    auto c = Claims();
    c["x"] = {{{{{{1}}}}}};
    ExpectInvalid(Proof(Header(), c), "nested too deep");
  }

  TEST_CASE_FIXTURE(Fixture, "non-UTF-8 claims are rejected") {
    const std::string claims = "{\"jti\":\"\xff\",\"htm\":\"POST\",\"htu\":\"" + std::string(kHtu) +
                               "\",\"iat\":" + std::to_string(kNow) + "}";
    ExpectInvalid(SignRaw(DumpCompact(Header()), claims, client), "UTF-8");
  }

  TEST_CASE_FIXTURE(Fixture, "trailing garbage, extra dots and two joined proofs are rejected") {
    const std::string proof = Proof(Header(), Claims());
    ExpectInvalid(proof + ".", "segments");
    ExpectInvalid(proof + " ", "character");
    ExpectInvalid(proof + ", " + proof, "");
    ExpectInvalid(proof + "," + proof, "");
    auto c = Claims();
    ExpectInvalid(SignRaw(DumpCompact(Header()), DumpCompact(c) + "x", client), "syntax");
  }

  TEST_CASE_FIXTURE(Fixture, "an invalid server URL is a caller error, not a proof error") {
    const auto r = validator.Validate(Proof(Header(), Claims()), "POST", "not a url", std::nullopt);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kInvalidArgument);
  }

  TEST_CASE_FIXTURE(Fixture, "invalid proofs do not occupy the replay cache") {
    auto c = Claims();
    c["htm"] = "GET";
    CHECK_FALSE(Check(Proof(Header(), c)));
    CHECK(cache.size() == 0);
  }

  // The validator remembers headers it accepted (ProofHeaderCache); everything after the
  // header must still be checked on every proof that repeats one.
  TEST_CASE_FIXTURE(Fixture, "a header accepted before does not carry a bad proof") {
    REQUIRE(Check(Proof(Header(), Claims())));  // the header is now known
    // Same header bytes, signed by another key: the signature still decides.
    const std::string forged = SignRaw(DumpCompact(Header()), DumpCompact(Claims()), stranger);
    CHECK(forged.substr(0, forged.find('.')) == B64(DumpCompact(Header())));
    ExpectInvalid(forged, "does not verify");
    // Same header, a signature cut short or missing.
    std::string proof = Proof(Header(), [&] { auto c = Claims(); c["jti"] = "id-2"; return c; }());
    ExpectInvalid(proof.substr(0, proof.size() - 4), "");
    ExpectInvalid(proof.substr(0, proof.rfind('.') + 1), "");
    // Same header, claims that fail: replayed jti, wrong htm, stale iat, ath without token.
    ExpectInvalid(Proof(Header(), Claims()), "replayed");
    auto c = Claims();
    c["jti"] = "id-3";
    c["htm"] = "GET";
    ExpectInvalid(Proof(Header(), c), "htm");
    c["htm"] = "POST";
    c["iat"] = kNow - 3600;
    ExpectInvalid(Proof(Header(), c), "iat");
    c["iat"] = kNow;
    c["ath"] = "x";
    ExpectInvalid(Proof(Header(), c), "ath");
    // And a fresh proof with the known header still passes.
    c.erase("ath");
    CHECK(Check(Proof(Header(), c)));
  }

  TEST_CASE_FIXTURE(Fixture, "a refused header is refused every time") {
    auto h = Header();
    h["typ"] = "jwt";
    ExpectInvalid(Proof(h, Claims()), "typ");
    auto c = Claims();
    c["jti"] = "id-2";
    ExpectInvalid(Proof(h, c), "typ");
    h = Header();
    h["alg"] = "ES256";
    ExpectInvalid(Proof(h, c), "key type");
    ExpectInvalid(Proof(h, c), "key type");
  }

  TEST_CASE("a header accepted by one validator is not accepted by a stricter one") {
    DpopOptions strict_options;
    strict_options.allowed_algs = {JwsAlgorithm::kEdDSA};
    const std::string proof = std::string(kRfcHeaderB64) + kRfcTokenProofRest;
    FakeClock rfc_clock(1562262616);
    InMemoryReplayCache rfc_cache(100, rfc_clock);
    DpopValidator rfc_lenient(DpopOptions{}, rfc_clock, rfc_cache);
    DpopValidator rfc_strict(strict_options, rfc_clock, rfc_cache);
    REQUIRE(rfc_lenient.Validate(proof, "POST", "https://server.example.com/token", std::nullopt));
    const auto refused =
        rfc_strict.Validate(proof, "POST", "https://server.example.com/token", std::nullopt);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message().find("alg not allowed") != std::string::npos);
  }

  TEST_CASE_FIXTURE(Fixture, "CreateDpopProof refuses an empty method or URL") {
    CHECK(CreateDpopProof(client, "", kHtu, kNow).error().code() == ErrorCode::kInvalidArgument);
    CHECK_FALSE(CreateDpopProof(client, "POST", "", kNow));
  }
}

}  // namespace
}  // namespace notme::jose
