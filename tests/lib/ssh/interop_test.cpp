// Interop with the real OpenSSH ssh-keygen: what we make, it accepts; what it makes, we
// parse and verify.
#include <doctest/doctest.h>

#include <ctime>

#include "ssh/certificate.h"
#include "ssh/public_key.h"
#include "ssh/sshsig.h"
#include "ssh/wire.h"
#include "ssh_test_util.h"

namespace notme::ssh {
namespace {

using testing::ReadFile;
using testing::Run;
using testing::TempDir;
using testing::WriteFile;

constexpr std::string_view kPrincipal = "h@example.com";
constexpr std::string_view kMessage = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nhello\n";

// A CA, a one-signature key certified for [now-30, now+300), and the armored signature.
struct Signed {
  crypto::Ed25519SecretKey ca = *crypto::Ed25519SecretKey::Generate();
  crypto::Ed25519SecretKey key = *crypto::Ed25519SecretKey::Generate();
  uint64_t now = static_cast<uint64_t>(std::time(nullptr));
  Certificate cert = *IssueCertificate(
      ca, CertificateRequest{key.public_key(), 0x1234, CertType::kUser,
                             "notme:agent=bot:human=h@example.com", {std::string(kPrincipal)},
                             now - 30, now + 300, {}});
  TempDir dir;

  explicit Signed(std::string_view ns = "git") {
    WriteFile(dir / "msg", std::string(kMessage));
    WriteFile(dir / "msg.sig", ArmorSshsig(CreateSshsig(key, cert, ns, AsBytes(kMessage))));
    WriteFile(dir / "allowed", std::string(kPrincipal) + " cert-authority,namespaces=\"git\" " +
                                   FormatAuthorizedKey(ca.public_key(), "notme-ca") + "\n");
  }
  std::string Verify(std::string_view principal, const std::string& extra = "") const {
    return "ssh-keygen -Y verify -f " + (dir / "allowed") + " -I " + std::string(principal) +
           " -n git -s " + (dir / "msg.sig") + " " + extra + " < " + (dir / "msg");
  }
};

std::string TimeArg(uint64_t t) {
  time_t tt = static_cast<time_t>(t);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%d%H%M%S", std::gmtime(&tt));
  return std::string("-Overify-time=") + buf + "Z";
}

TEST_SUITE("SshInterop") {
  TEST_CASE("ssh-keygen -Y verify accepts our certificate signature via cert-authority") {
    Signed s;
    auto r = Run(s.Verify(kPrincipal));
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("Good \"git\" signature for h@example.com") != std::string::npos);
  }

  TEST_CASE("ssh-keygen -Y find-principals finds the human") {
    Signed s;
    auto r = Run("ssh-keygen -Y find-principals -f " + (s.dir / "allowed") + " -s " + (s.dir / "msg.sig"));
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(r.output == std::string(kPrincipal) + "\n");
  }

  TEST_CASE("ssh-keygen -Y check-novalidate accepts our signature") {
    Signed s;
    auto r = Run("ssh-keygen -Y check-novalidate -n git -s " + (s.dir / "msg.sig") + " < " + (s.dir / "msg"));
    INFO(r.output);
    CHECK(r.exit_code == 0);
  }

  TEST_CASE("ssh-keygen -L parses our certificate and shows the agent") {
    Signed s;
    WriteFile(s.dir / "cert.pub", s.cert.ToText("x") + "\n");
    auto r = Run("ssh-keygen -L -f " + (s.dir / "cert.pub"));
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("Type: ssh-ed25519-cert-v01@openssh.com user certificate") != std::string::npos);
    CHECK(r.output.find("Key ID: \"notme:agent=bot:human=h@example.com\"") != std::string::npos);
    CHECK(r.output.find("Serial: 4660") != std::string::npos);
    CHECK(r.output.find("h@example.com") != std::string::npos);
  }

  TEST_CASE("ssh-keygen -Y verify refuses another principal") {
    Signed s;
    CHECK(Run(s.Verify("other@example.com")).exit_code != 0);
  }

  TEST_CASE("ssh-keygen -Y verify refuses a time outside the certificate window") {
    Signed s;
    CHECK(Run(s.Verify(kPrincipal, TimeArg(s.now + 600))).exit_code != 0);
    CHECK(Run(s.Verify(kPrincipal, TimeArg(s.now - 600))).exit_code != 0);
    CHECK(Run(s.Verify(kPrincipal, TimeArg(s.now + 60))).exit_code == 0);
  }

  TEST_CASE("ssh-keygen -Y verify refuses another namespace") {
    Signed s("file");
    CHECK(Run(s.Verify(kPrincipal)).exit_code != 0);
  }

  TEST_CASE("ssh-keygen -Y verify refuses modified data") {
    Signed s;
    WriteFile(s.dir / "msg", std::string(kMessage) + "x");
    CHECK(Run(s.Verify(kPrincipal)).exit_code != 0);
  }

  TEST_CASE("ssh-keygen -Y verify refuses a signature from an untrusted CA") {
    Signed s;
    Signed other;
    WriteFile(s.dir / "allowed", ReadFile(other.dir / "allowed"));
    CHECK(Run(s.Verify(kPrincipal)).exit_code != 0);
  }

  TEST_CASE("a signature made by ssh-keygen -Y sign parses and verifies here") {
    TempDir dir;
    REQUIRE(Run("ssh-keygen -q -t ed25519 -N '' -C t -f " + (dir / "k")).exit_code == 0);
    WriteFile(dir / "msg", "data to sign\n");
    REQUIRE(Run("ssh-keygen -Y sign -n file -f " + (dir / "k") + " " + (dir / "msg")).exit_code == 0);
    std::string armored = ReadFile(dir / "msg.sig");
    auto blob = DearmorSshsig(armored);
    REQUIRE(blob);
    CHECK(ArmorSshsig(*blob) == armored);  // byte-identical armor
    auto sig = ParseSshsig(*blob);
    REQUIRE(sig);
    CHECK(sig->hash_algorithm == "sha512");
    auto signer = VerifySshsig(*sig, "file", AsBytes("data to sign\n"));
    REQUIRE(signer);
    auto pub = ParseAuthorizedKey(ReadFile(dir / "k.pub"));
    REQUIRE(pub);
    CHECK(signer->key == *pub);
    CHECK_FALSE(VerifySshsig(*sig, "git", AsBytes("data to sign\n")));
    CHECK_FALSE(VerifySshsig(*sig, "file", AsBytes("data to sign")));
  }

  TEST_CASE("a certificate made by ssh-keygen -s parses and passes the trust check") {
    TempDir dir;
    REQUIRE(Run("ssh-keygen -q -t ed25519 -N '' -C ca -f " + (dir / "ca")).exit_code == 0);
    REQUIRE(Run("ssh-keygen -q -t ed25519 -N '' -C u -f " + (dir / "u")).exit_code == 0);
    REQUIRE(Run("ssh-keygen -q -s " + (dir / "ca") + " -I someid -n h@example.com -z 77 -V -5m:+5m " +
                (dir / "u.pub")).exit_code == 0);
    auto cert = Certificate::ParseText(ReadFile(dir / "u-cert.pub"));
    REQUIRE(cert);
    CHECK(cert->key_id() == "someid");
    CHECK(cert->serial() == 77);
    CHECK(cert->extensions().size() == 5);  // ssh-keygen's default permit-* set
    auto ca = ParseAuthorizedKey(ReadFile(dir / "ca.pub"));
    REQUIRE(ca);
    CHECK(CheckUserCertificate(*cert, *ca, "h@example.com", std::time(nullptr)));
  }

  TEST_CASE("the CA line we print is accepted by ssh-keygen as a public key") {
    TempDir dir;
    auto ca = *crypto::Ed25519SecretKey::Generate();
    WriteFile(dir / "ca.pub", FormatAuthorizedKey(ca.public_key(), "notme-ca") + "\n");
    auto r = Run("ssh-keygen -l -f " + (dir / "ca.pub"));
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find(Sha256Fingerprint(EncodeEd25519PublicKeyBlob(ca.public_key()))) !=
          std::string::npos);
  }
}

}  // namespace
}  // namespace notme::ssh
