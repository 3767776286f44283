#include "ssh/sshsig.h"

#include <doctest/doctest.h>

#include "ssh/base64.h"
#include "ssh/public_key.h"
#include "ssh/wire.h"

namespace notme::ssh {
namespace {

constexpr uint64_t kNow = 1'800'000'000;

crypto::Ed25519SecretKey NewKey() { return *crypto::Ed25519SecretKey::Generate(); }

std::span<const uint8_t> Msg(std::string_view s) { return AsBytes(s); }

struct Fixture {
  crypto::Ed25519SecretKey ca = NewKey();
  crypto::Ed25519SecretKey key = NewKey();
  Certificate cert = *IssueCertificate(
      ca, CertificateRequest{key.public_key(), 1, CertType::kUser, "id", {"h@example.com"},
                             kNow - 30, kNow + 300, {}});
};

// Builds an SSHSIG blob from parts so tests can make what CreateSshsig never would.
struct RawSig {
  std::string magic = "SSHSIG";
  uint32_t version = 1;
  std::vector<uint8_t> public_key;
  std::string ns = "git";
  std::string hash = "sha512";
  std::vector<uint8_t> signature;
  std::vector<uint8_t> Build() const {
    WireWriter w;
    w.Raw(magic);
    w.U32(version);
    w.String(public_key);
    w.String(ns);
    w.String(std::string_view());
    w.String(hash);
    w.String(signature);
    return w.Take();
  }
};

RawSig FromBlob(const std::vector<uint8_t>& blob) {
  auto s = *ParseSshsig(blob);
  RawSig raw;
  raw.public_key = s.public_key_blob;
  raw.ns = s.ns;
  raw.hash = s.hash_algorithm;
  raw.signature = EncodeEd25519SignatureBlob(s.signature);
  return raw;
}

TEST_SUITE("Sshsig") {
  TEST_CASE("a signature carrying a certificate verifies and names the certificate") {
    Fixture f;
    auto blob = CreateSshsig(f.key, f.cert, "git", Msg("payload"));
    auto sig = ParseSshsig(blob);
    REQUIRE(sig);
    CHECK(sig->ns == "git");
    CHECK(sig->hash_algorithm == "sha512");
    auto signer = VerifySshsig(*sig, "git", Msg("payload"));
    REQUIRE(signer);
    REQUIRE(signer->certificate.has_value());
    CHECK(signer->certificate->key_id() == "id");
    CHECK(signer->key == f.key.public_key());
  }

  TEST_CASE("a signature with a plain key verifies") {
    auto key = NewKey();
    auto sig = ParseSshsig(CreateSshsig(key, "file", Msg("x")));
    REQUIRE(sig);
    auto signer = VerifySshsig(*sig, "file", Msg("x"));
    REQUIRE(signer);
    CHECK_FALSE(signer->certificate.has_value());
  }

  TEST_CASE("armor round-trips and uses 70-column lines") {
    Fixture f;
    auto blob = CreateSshsig(f.key, f.cert, "git", Msg("payload"));
    auto text = ArmorSshsig(blob);
    CHECK(text.starts_with("-----BEGIN SSH SIGNATURE-----\n"));
    CHECK(text.ends_with("\n-----END SSH SIGNATURE-----\n"));
    CHECK(text.find('\n', 30) - 30 == 70);
    auto back = DearmorSshsig(text);
    REQUIRE(back);
    CHECK(*back == blob);
  }

  TEST_CASE("armor with CRLF line ends is accepted") {
    Fixture f;
    auto text = ArmorSshsig(CreateSshsig(f.key, f.cert, "git", Msg("p")));
    std::string crlf;
    for (char c : text) {
      if (c == '\n') crlf += '\r';
      crlf += c;
    }
    CHECK(DearmorSshsig(crlf));
  }

  TEST_CASE("a signature over other data does not verify") {
    Fixture f;
    auto sig = ParseSshsig(CreateSshsig(f.key, f.cert, "git", Msg("payload")));
    REQUIRE(sig);
    auto r = VerifySshsig(*sig, "git", Msg("payloaD"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kBadSignature);
  }

  TEST_CASE("a signature checked under the wrong namespace is refused") {
    Fixture f;
    auto sig = ParseSshsig(CreateSshsig(f.key, f.cert, "file", Msg("payload")));
    REQUIRE(sig);
    CHECK_FALSE(VerifySshsig(*sig, "git", Msg("payload")));
  }

  TEST_CASE("a namespace relabelled after signing does not verify") {
    Fixture f;
    auto raw = FromBlob(CreateSshsig(f.key, f.cert, "file", Msg("payload")));
    raw.ns = "git";
    auto sig = ParseSshsig(raw.Build());
    REQUIRE(sig);
    CHECK_FALSE(VerifySshsig(*sig, "git", Msg("payload")));
  }

  TEST_CASE("a certificate swapped for another key's does not verify") {
    Fixture f;
    Fixture other;
    auto raw = FromBlob(CreateSshsig(f.key, f.cert, "git", Msg("p")));
    raw.public_key = other.cert.blob();
    auto sig = ParseSshsig(raw.Build());
    REQUIRE(sig);
    CHECK_FALSE(VerifySshsig(*sig, "git", Msg("p")));
  }

  TEST_CASE("wrong magic is rejected") {
    Fixture f;
    auto raw = FromBlob(CreateSshsig(f.key, f.cert, "git", Msg("p")));
    raw.magic = "SSHSIH";
    CHECK_FALSE(ParseSshsig(raw.Build()));
  }

  TEST_CASE("an unknown version is rejected") {
    Fixture f;
    auto raw = FromBlob(CreateSshsig(f.key, f.cert, "git", Msg("p")));
    raw.version = 2;
    auto r = ParseSshsig(raw.Build());
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUnsupported);
  }

  TEST_CASE("an empty namespace is rejected") {
    Fixture f;
    auto raw = FromBlob(CreateSshsig(f.key, f.cert, "git", Msg("p")));
    raw.ns = "";
    CHECK_FALSE(ParseSshsig(raw.Build()));
  }

  TEST_CASE("an unknown hash algorithm is rejected") {
    Fixture f;
    auto raw = FromBlob(CreateSshsig(f.key, f.cert, "git", Msg("p")));
    raw.hash = "md5";
    CHECK_FALSE(ParseSshsig(raw.Build()));
  }

  TEST_CASE("a sha512 signature relabelled sha256 does not verify") {
    Fixture f;
    auto raw = FromBlob(CreateSshsig(f.key, f.cert, "git", Msg("p")));
    raw.hash = "sha256";
    auto sig = ParseSshsig(raw.Build());
    REQUIRE(sig);
    CHECK_FALSE(VerifySshsig(*sig, "git", Msg("p")));
  }

  TEST_CASE("a non-ed25519 signature algorithm is rejected") {
    Fixture f;
    auto raw = FromBlob(CreateSshsig(f.key, f.cert, "git", Msg("p")));
    WireWriter w;
    w.String(std::string_view("rsa-sha2-512"));
    w.String(std::string(64, 'x'));
    raw.signature = w.Take();
    CHECK_FALSE(ParseSshsig(raw.Build()));
  }

  TEST_CASE("a short ed25519 signature is rejected") {
    Fixture f;
    auto raw = FromBlob(CreateSshsig(f.key, f.cert, "git", Msg("p")));
    raw.signature.pop_back();
    CHECK_FALSE(ParseSshsig(raw.Build()));
  }

  TEST_CASE("a public key of an unsupported type is refused at verification") {
    Fixture f;
    auto raw = FromBlob(CreateSshsig(f.key, f.cert, "git", Msg("p")));
    WireWriter w;
    w.String(std::string_view("ssh-rsa"));
    w.String(std::string_view("abc"));
    raw.public_key = w.Take();
    auto sig = ParseSshsig(raw.Build());
    REQUIRE(sig);
    auto r = VerifySshsig(*sig, "git", Msg("p"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUnsupported);
  }

  TEST_CASE("every truncation of a signature blob is rejected") {
    Fixture f;
    auto blob = CreateSshsig(f.key, f.cert, "git", Msg("p"));
    for (size_t n = 0; n < blob.size(); ++n) {
      CHECK_FALSE(ParseSshsig(std::span<const uint8_t>(blob).first(n)));
    }
  }

  TEST_CASE("a signature blob with trailing data is rejected") {
    Fixture f;
    auto blob = CreateSshsig(f.key, f.cert, "git", Msg("p"));
    blob.push_back(0);
    CHECK_FALSE(ParseSshsig(blob));
  }

  TEST_CASE("a huge declared public key length is rejected") {
    std::vector<uint8_t> blob = {'S', 'S', 'H', 'S', 'I', 'G', 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xf0, 1};
    CHECK_FALSE(ParseSshsig(blob));
  }

  TEST_CASE("armor without the END line is rejected") {
    Fixture f;
    auto text = ArmorSshsig(CreateSshsig(f.key, f.cert, "git", Msg("p")));
    text.resize(text.find("-----END"));
    CHECK_FALSE(DearmorSshsig(text));
  }

  TEST_CASE("armor with another label is rejected") {
    CHECK_FALSE(DearmorSshsig("-----BEGIN PGP SIGNATURE-----\nAAAA\n-----END PGP SIGNATURE-----\n"));
  }

  TEST_CASE("armor with text after the END line is rejected") {
    Fixture f;
    auto text = ArmorSshsig(CreateSshsig(f.key, f.cert, "git", Msg("p")));
    CHECK_FALSE(DearmorSshsig(text + "extra\n"));
  }

  TEST_CASE("armor with an empty body or a blank line is rejected") {
    CHECK_FALSE(DearmorSshsig("-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n"));
    CHECK_FALSE(DearmorSshsig("-----BEGIN SSH SIGNATURE-----\nU1NI\n\nU0lH\n-----END SSH SIGNATURE-----\n"));
  }

  TEST_CASE("armor with invalid base64 is rejected") {
    CHECK_FALSE(DearmorSshsig("-----BEGIN SSH SIGNATURE-----\nU1N*\n-----END SSH SIGNATURE-----\n"));
  }
}

}  // namespace
}  // namespace notme::ssh
