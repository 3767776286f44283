#include "ssh/certificate.h"

#include <doctest/doctest.h>

#include "ssh/base64.h"
#include "ssh/public_key.h"
#include "ssh/wire.h"

namespace notme::ssh {
namespace {

constexpr uint64_t kNow = 1'800'000'000;

crypto::Ed25519SecretKey NewKey() { return *crypto::Ed25519SecretKey::Generate(); }

CertificateRequest BasicRequest(const crypto::Ed25519PublicKey& subject) {
  return CertificateRequest{subject, 42, CertType::kUser, "notme:agent=bot:human=h@example.com",
                            {"h@example.com"}, kNow - 30, kNow + 300, {}};
}

// Re-encodes a certificate body from fields, signing with `ca`, so tests can build
// certificates the issuer refuses to make.
struct RawCert {
  std::string type{kEd25519CertType};
  std::vector<uint8_t> nonce = std::vector<uint8_t>(32, 7);
  std::vector<uint8_t> pk;
  uint64_t serial = 1;
  uint32_t cert_type = 1;
  std::string key_id = "id";
  std::vector<uint8_t> principals;
  uint64_t valid_after = kNow - 10;
  uint64_t valid_before = kNow + 10;
  std::vector<uint8_t> critical;
  std::vector<uint8_t> extensions;
  std::vector<uint8_t> signature_key;
  bool corrupt_signature = false;

  std::vector<uint8_t> Build(const crypto::Ed25519SecretKey& ca) const {
    WireWriter w;
    w.String(type);
    w.String(nonce);
    w.String(pk);
    w.U64(serial);
    w.U32(cert_type);
    w.String(key_id);
    w.String(principals);
    w.U64(valid_after);
    w.U64(valid_before);
    w.String(critical);
    w.String(extensions);
    w.String(std::string_view());
    w.String(signature_key.empty() ? EncodeEd25519PublicKeyBlob(ca.public_key()) : signature_key);
    auto sig = ca.Sign(std::span<const uint8_t>(w.bytes()));
    auto sig_blob = EncodeEd25519SignatureBlob(sig);
    if (corrupt_signature) sig_blob.back() ^= 1;
    w.String(sig_blob);
    return w.Take();
  }
};

RawCert ValidRaw(const crypto::Ed25519PublicKey& subject) {
  RawCert raw;
  raw.pk.assign(subject.bytes().begin(), subject.bytes().end());
  WireWriter p;
  p.String(std::string_view("h@example.com"));
  raw.principals = p.Take();
  return raw;
}

std::vector<uint8_t> Pairs(std::initializer_list<std::pair<std::string_view, std::string_view>> kv) {
  WireWriter w;
  for (auto [k, v] : kv) {
    w.String(k);
    if (v.empty()) {
      w.String(std::string_view());
    } else {
      WireWriter inner;
      inner.String(v);
      w.String(inner.bytes());
    }
  }
  return w.Take();
}

TEST_SUITE("SshCertificate") {
  TEST_CASE("an issued certificate parses back with every field") {
    auto ca = NewKey();
    auto subject = NewKey();
    auto req = BasicRequest(subject.public_key());
    req.extensions = {"permit-pty", "no-touch-required"};
    auto cert = IssueCertificate(ca, req);
    REQUIRE(cert);
    auto parsed = Certificate::Parse(cert->blob());
    REQUIRE(parsed);
    CHECK(parsed->subject_key() == subject.public_key());
    CHECK(parsed->signature_key() == ca.public_key());
    CHECK(parsed->serial() == 42);
    CHECK(parsed->type() == CertType::kUser);
    CHECK(parsed->key_id() == "notme:agent=bot:human=h@example.com");
    CHECK(parsed->principals() == std::vector<std::string>{"h@example.com"});
    CHECK(parsed->valid_after() == kNow - 30);
    CHECK(parsed->valid_before() == kNow + 300);
    REQUIRE(parsed->extensions().size() == 2);
    CHECK(parsed->extensions()[0].name == "no-touch-required");  // sorted
    CHECK(parsed->critical_options().empty());
  }

  TEST_CASE("an issued certificate equals what Parse reads from its blob") {
    auto ca = NewKey();
    auto req = BasicRequest(NewKey().public_key());
    req.type = CertType::kHost;
    req.principals = {"b@example.com", "a@example.com"};
    req.extensions = {"permit-pty", "no-touch-required", "permit-agent-forwarding"};
    auto cert = IssueCertificate(ca, req);
    REQUIRE(cert);
    auto parsed = Certificate::Parse(cert->blob());
    REQUIRE(parsed);
    CHECK(cert->subject_key() == parsed->subject_key());
    CHECK(cert->signature_key() == parsed->signature_key());
    CHECK(cert->serial() == parsed->serial());
    CHECK(cert->type() == parsed->type());
    CHECK(cert->key_id() == parsed->key_id());
    CHECK(cert->principals() == parsed->principals());
    CHECK(cert->valid_after() == parsed->valid_after());
    CHECK(cert->valid_before() == parsed->valid_before());
    CHECK(cert->critical_options().empty());
    REQUIRE(cert->extensions().size() == parsed->extensions().size());
    for (size_t i = 0; i < cert->extensions().size(); ++i) {
      CHECK(cert->extensions()[i].name == parsed->extensions()[i].name);
      CHECK(cert->extensions()[i].data == parsed->extensions()[i].data);
    }
  }

  TEST_CASE("an unknown certificate type is not issued") {
    auto req = BasicRequest(NewKey().public_key());
    req.type = static_cast<CertType>(3);
    auto r = IssueCertificate(NewKey(), req);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kInvalidArgument);
  }

  TEST_CASE("the text form round-trips") {
    auto ca = NewKey();
    auto cert = IssueCertificate(ca, BasicRequest(NewKey().public_key()));
    REQUIRE(cert);
    auto again = Certificate::ParseText(cert->ToText("comment"));
    REQUIRE(again);
    CHECK(again->blob() == cert->blob());
  }

  TEST_CASE("a valid user certificate passes the trust check inside its window") {
    auto ca = NewKey();
    auto cert = IssueCertificate(ca, BasicRequest(NewKey().public_key()));
    REQUIRE(cert);
    CHECK(CheckUserCertificate(*cert, ca.public_key(), "h@example.com", kNow));
    CHECK(CheckUserCertificate(*cert, ca.public_key(), "h@example.com", kNow - 30));
  }

  TEST_CASE("an expired certificate is refused") {
    auto ca = NewKey();
    auto cert = IssueCertificate(ca, BasicRequest(NewKey().public_key()));
    REQUIRE(cert);
    auto r = CheckUserCertificate(*cert, ca.public_key(), "h@example.com", kNow + 300);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kExpired);
  }

  TEST_CASE("a certificate used before its window is refused") {
    auto ca = NewKey();
    auto cert = IssueCertificate(ca, BasicRequest(NewKey().public_key()));
    REQUIRE(cert);
    auto r = CheckUserCertificate(*cert, ca.public_key(), "h@example.com", kNow - 31);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kNotYetValid);
  }

  TEST_CASE("a certificate from another CA is refused") {
    auto ca = NewKey();
    auto cert = IssueCertificate(ca, BasicRequest(NewKey().public_key()));
    REQUIRE(cert);
    CHECK_FALSE(CheckUserCertificate(*cert, NewKey().public_key(), "h@example.com", kNow));
  }

  TEST_CASE("a certificate for another principal is refused") {
    auto ca = NewKey();
    auto cert = IssueCertificate(ca, BasicRequest(NewKey().public_key()));
    REQUIRE(cert);
    CHECK_FALSE(CheckUserCertificate(*cert, ca.public_key(), "other@example.com", kNow));
  }

  TEST_CASE("a host certificate is refused as a user certificate") {
    auto ca = NewKey();
    auto req = BasicRequest(NewKey().public_key());
    req.type = CertType::kHost;
    auto cert = IssueCertificate(ca, req);
    REQUIRE(cert);
    CHECK_FALSE(CheckUserCertificate(*cert, ca.public_key(), "h@example.com", kNow));
  }

  TEST_CASE("a certificate with a critical option is refused by the trust check") {
    auto ca = NewKey();
    auto raw = ValidRaw(NewKey().public_key());
    raw.critical = Pairs({{"force-command", "/bin/true"}});
    auto cert = Certificate::Parse(raw.Build(ca));
    REQUIRE(cert);
    CHECK(cert->critical_options()[0].data == "/bin/true");
    CHECK_FALSE(CheckUserCertificate(*cert, ca.public_key(), "h@example.com", kNow));
  }

  TEST_CASE("issuing with an empty window is refused") {
    auto req = BasicRequest(NewKey().public_key());
    req.valid_before = req.valid_after;
    CHECK_FALSE(IssueCertificate(NewKey(), req));
  }

  TEST_CASE("issuing with an empty principal is refused") {
    auto req = BasicRequest(NewKey().public_key());
    req.principals = {""};
    CHECK_FALSE(IssueCertificate(NewKey(), req));
  }

  TEST_CASE("issuing with a NUL in the key id is refused") {
    auto req = BasicRequest(NewKey().public_key());
    req.key_id = std::string("a\0b", 3);
    CHECK_FALSE(IssueCertificate(NewKey(), req));
  }

  TEST_CASE("a hand-built certificate parses when it is well formed") {
    auto ca = NewKey();
    CHECK(Certificate::Parse(ValidRaw(NewKey().public_key()).Build(ca)));
  }

  TEST_CASE("a certificate with a flipped signature bit is rejected") {
    auto ca = NewKey();
    auto raw = ValidRaw(NewKey().public_key());
    raw.corrupt_signature = true;
    auto r = Certificate::Parse(raw.Build(ca));
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kBadSignature);
  }

  TEST_CASE("a certificate whose body was changed after signing is rejected") {
    auto ca = NewKey();
    auto blob = ValidRaw(NewKey().public_key()).Build(ca);
    blob[80] ^= 0x01;  // a byte of the subject key
    CHECK_FALSE(Certificate::Parse(blob));
  }

  TEST_CASE("every truncation of a certificate is rejected") {
    auto ca = NewKey();
    auto blob = ValidRaw(NewKey().public_key()).Build(ca);
    for (size_t n = 0; n < blob.size(); ++n) {
      CHECK_FALSE(Certificate::Parse(std::span<const uint8_t>(blob).first(n)));
    }
  }

  TEST_CASE("a certificate with trailing data is rejected") {
    auto ca = NewKey();
    auto blob = ValidRaw(NewKey().public_key()).Build(ca);
    blob.push_back(0);
    CHECK_FALSE(Certificate::Parse(blob));
  }

  TEST_CASE("a certificate of another key type is rejected") {
    auto ca = NewKey();
    auto raw = ValidRaw(NewKey().public_key());
    raw.type = "ssh-rsa-cert-v01@openssh.com";
    auto r = Certificate::Parse(raw.Build(ca));
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUnsupported);
  }

  TEST_CASE("a plain public key blob is not a certificate") {
    CHECK_FALSE(Certificate::Parse(EncodeEd25519PublicKeyBlob(NewKey().public_key())));
  }

  TEST_CASE("an unknown certificate type number is rejected") {
    auto ca = NewKey();
    auto raw = ValidRaw(NewKey().public_key());
    raw.cert_type = 3;
    CHECK_FALSE(Certificate::Parse(raw.Build(ca)));
  }

  TEST_CASE("a subject key of the wrong length is rejected") {
    auto ca = NewKey();
    auto raw = ValidRaw(NewKey().public_key());
    raw.pk.pop_back();
    CHECK_FALSE(Certificate::Parse(raw.Build(ca)));
  }

  TEST_CASE("an empty nonce is rejected") {
    auto ca = NewKey();
    auto raw = ValidRaw(NewKey().public_key());
    raw.nonce.clear();
    CHECK_FALSE(Certificate::Parse(raw.Build(ca)));
  }

  TEST_CASE("unsorted extensions are rejected") {
    auto ca = NewKey();
    auto raw = ValidRaw(NewKey().public_key());
    raw.extensions = Pairs({{"permit-pty", ""}, {"permit-X11-forwarding", ""}});
    CHECK_FALSE(Certificate::Parse(raw.Build(ca)));
  }

  TEST_CASE("repeated extensions are rejected") {
    auto ca = NewKey();
    auto raw = ValidRaw(NewKey().public_key());
    raw.extensions = Pairs({{"permit-pty", ""}, {"permit-pty", ""}});
    CHECK_FALSE(Certificate::Parse(raw.Build(ca)));
  }

  TEST_CASE("an option whose data has trailing bytes is rejected") {
    auto ca = NewKey();
    auto raw = ValidRaw(NewKey().public_key());
    WireWriter w;
    w.String(std::string_view("force-command"));
    w.String(std::string_view("\x00\x00\x00\x01" "ab", 6));
    raw.critical = w.Take();
    CHECK_FALSE(Certificate::Parse(raw.Build(ca)));
  }

  TEST_CASE("a truncated principals list is rejected") {
    auto ca = NewKey();
    auto raw = ValidRaw(NewKey().public_key());
    raw.principals.pop_back();
    CHECK_FALSE(Certificate::Parse(raw.Build(ca)));
  }

  TEST_CASE("a certificate signed by a non-ed25519 CA key is rejected") {
    auto ca = NewKey();
    auto raw = ValidRaw(NewKey().public_key());
    WireWriter w;
    w.String(std::string_view("ssh-rsa"));
    w.String(std::string_view("\x01\x00\x01", 3));
    raw.signature_key = w.Take();
    CHECK_FALSE(Certificate::Parse(raw.Build(ca)));
  }

  TEST_CASE("a certificate whose signature key is not the signer is rejected") {
    auto ca = NewKey();
    auto raw = ValidRaw(NewKey().public_key());
    raw.signature_key = EncodeEd25519PublicKeyBlob(NewKey().public_key());
    auto r = Certificate::Parse(raw.Build(ca));
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kBadSignature);
  }

  TEST_CASE("certificate text of another type is rejected") {
    CHECK_FALSE(Certificate::ParseText("ssh-ed25519 AAAA"));
    CHECK_FALSE(Certificate::ParseText(std::string(kEd25519CertType)));
    CHECK_FALSE(Certificate::ParseText(std::string(kEd25519CertType) + " !!!!"));
  }
}

TEST_SUITE("SshPublicKey") {
  TEST_CASE("an authorized-key line round-trips") {
    auto key = NewKey().public_key();
    auto line = FormatAuthorizedKey(key, "notme-ca");
    CHECK(line.starts_with("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"));
    CHECK(line.ends_with(" notme-ca"));
    auto back = ParseAuthorizedKey(line + "\n");
    REQUIRE(back);
    CHECK(*back == key);
  }

  TEST_CASE("a key line of another type is rejected") {
    auto r = ParseAuthorizedKey("ssh-rsa AAAAB3NzaC1yc2E= x");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kUnsupported);
  }

  TEST_CASE("a key line whose blob names another type is rejected") {
    WireWriter w;
    w.String(std::string_view("ssh-rsa"));
    w.String(std::string(32, 'a'));
    CHECK_FALSE(ParseAuthorizedKey("ssh-ed25519 " + Base64Encode(w.bytes())));
  }

  TEST_CASE("a key blob with trailing data is rejected") {
    auto blob = EncodeEd25519PublicKeyBlob(NewKey().public_key());
    blob.push_back(1);
    CHECK_FALSE(ParseEd25519PublicKeyBlob(blob));
  }

  TEST_CASE("a key line without data is rejected") { CHECK_FALSE(ParseAuthorizedKey("ssh-ed25519")); }

  TEST_CASE("the fingerprint has ssh-keygen's form") {
    auto fp = Sha256Fingerprint(EncodeEd25519PublicKeyBlob(NewKey().public_key()));
    CHECK(fp.starts_with("SHA256:"));
    CHECK(fp.size() == 7 + 43);
  }
}

}  // namespace
}  // namespace notme::ssh
