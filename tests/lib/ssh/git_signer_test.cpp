#include "ssh/git_signer.h"

#include <doctest/doctest.h>

#include "keyring/ephemeral_keyring.h"
#include "ssh/sshsig.h"
#include "ssh/wire.h"

namespace notme::ssh {
namespace {

constexpr int64_t kNow = 1'800'000'000;
constexpr std::string_view kEmail = "h@example.com";

std::string Commit(int64_t committer_time) {
  return "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
         "author A <a@x> " + std::to_string(committer_time) + " +0000\n"
         "committer C <c@x> " + std::to_string(committer_time) + " +0000\n\nmsg\n";
}

struct Fixture {
  FakeClock clock{kNow};
  keyring::EphemeralKeyring keyring{clock};
  SshCa ca{keyring};
  GitSigner signer = *GitSigner::Create(ca, clock, GitSignerOptions{std::string(kEmail), ""});

  Result<GitSignResult> Sign(std::string_view data, std::string_view ns = "git",
                             std::string_view agent = "bot") {
    return signer.Sign(GitSignRequest{agent, ns, AsBytes(data)});
  }
};

TEST_SUITE("SshCa") {
  TEST_CASE("the CA is created on first use and stored in the keyring") {
    Fixture f;
    CHECK_FALSE(f.keyring.Lookup(keyring::kSshCaName));
    auto pk = f.ca.PublicKey();
    REQUIRE(pk);
    CHECK(f.keyring.Lookup(keyring::kSshCaName));
  }

  TEST_CASE("a second SshCa over the same keyring has the same key") {
    Fixture f;
    auto a = f.ca.PublicKey();
    SshCa again(f.keyring);
    auto b = again.PublicKey();
    REQUIRE(a);
    REQUIRE(b);
    CHECK(*a == *b);
  }

  TEST_CASE("a keyring entry that is not a seed is refused") {
    FakeClock clock(kNow);
    keyring::EphemeralKeyring kr(clock);
    auto junk = *crypto::SecretBytes::CopyFrom(std::vector<uint8_t>(5, 1));
    REQUIRE(kr.Store(keyring::kSshCaName, junk, "x"));
    SshCa ca(kr);
    auto r = ca.PublicKey();
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kInvalidKey);
  }

  TEST_CASE("the allowed-signers line has the cert-authority form") {
    Fixture f;
    auto line = CaAllowedSignersLine(*f.ca.PublicKey(), kEmail);
    CHECK(line.starts_with("h@example.com cert-authority,namespaces=\"git\" ssh-ed25519 AAAA"));
    CHECK(line.ends_with(" notme-ca"));
  }
}

TEST_SUITE("GitSigner") {
  TEST_CASE("a commit is signed with a certificate naming the agent and the human") {
    Fixture f;
    auto r = f.Sign(Commit(kNow));
    REQUIRE(r);
    auto sig = ParseSshsig(*DearmorSshsig(r->armored));
    REQUIRE(sig);
    auto signer = VerifySshsig(*sig, "git", AsBytes(Commit(kNow)));
    REQUIRE(signer);
    REQUIRE(signer->certificate);
    const auto& cert = *signer->certificate;
    CHECK(cert.key_id() == "notme:agent=bot:human=h@example.com");
    CHECK(cert.principals() == std::vector<std::string>{"h@example.com"});
    CHECK(cert.valid_after() == kNow - 60);
    CHECK(cert.valid_before() == kNow + 300);
    CHECK(cert.serial() == r->serial);
    CHECK(CheckUserCertificate(cert, *f.ca.PublicKey(), kEmail, kNow));
    REQUIRE(r->object);
    CHECK(r->object->tree == "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
  }

  TEST_CASE("the human signing has a key id without an agent") {
    Fixture f;
    auto r = f.Sign(Commit(kNow), "git", "");
    REQUIRE(r);
    CHECK(r->key_id == "notme:human=h@example.com");
  }

  TEST_CASE("every signature uses a fresh key and serial") {
    Fixture f;
    auto a = f.Sign(Commit(kNow));
    auto b = f.Sign(Commit(kNow));
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->fingerprint != b->fingerprint);
    CHECK(a->serial != b->serial);
  }

  TEST_CASE("a slightly older commit gets a window that covers its time") {
    Fixture f;
    auto r = f.Sign(Commit(kNow - 200));
    REQUIRE(r);
    CHECK(r->valid_after == static_cast<uint64_t>(kNow - 200));
    CHECK(r->valid_before == static_cast<uint64_t>(kNow + 300));
  }

  TEST_CASE("a commit dated at the edge of the future drift is still covered") {
    Fixture f;
    auto r = f.Sign(Commit(kNow + 300));
    REQUIRE(r);
    CHECK(r->valid_before == static_cast<uint64_t>(kNow + 301));
  }

  TEST_CASE("a backdated commit is refused") {
    Fixture f;
    auto r = f.Sign(Commit(kNow - 301));
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kInvalidRequest);
  }

  TEST_CASE("a commit dated in the future is refused") {
    Fixture f;
    CHECK_FALSE(f.Sign(Commit(kNow + 301)));
  }

  TEST_CASE("a tag with a stale tagger time is refused") {
    Fixture f;
    CHECK_FALSE(f.Sign("object 1111111111111111111111111111111111111111\ntype commit\ntag v1\n"
                       "tagger T <t@x> 1000 +0000\n\nm\n"));
  }

  TEST_CASE("arbitrary data in the git namespace is refused") {
    Fixture f;
    auto r = f.Sign("just some bytes\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kMalformed);
  }

  TEST_CASE("another namespace is refused unless configured") {
    Fixture f;
    auto r = f.Sign("data", "file");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kPermissionDenied);
  }

  TEST_CASE("a configured extra namespace signs arbitrary data") {
    Fixture f;
    GitSignerOptions o{std::string(kEmail), ""};
    o.namespaces = {"git", "file"};
    auto signer = GitSigner::Create(f.ca, f.clock, o);
    REQUIRE(signer);
    auto r = signer->Sign(GitSignRequest{"bot", "file", AsBytes("data")});
    REQUIRE(r);
    CHECK_FALSE(r->object);
  }

  TEST_CASE("oversized data is refused") {
    Fixture f;
    GitSignerOptions o{std::string(kEmail), ""};
    o.max_data_bytes = 10;
    auto signer = GitSigner::Create(f.ca, f.clock, o);
    REQUIRE(signer);
    auto r = signer->Sign(GitSignRequest{"bot", "git", AsBytes(Commit(kNow))});
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kTooLarge);
  }

  TEST_CASE("a principal that would break an allowed-signers line is refused") {
    FakeClock clock(kNow);
    keyring::EphemeralKeyring kr(clock);
    SshCa ca(kr);
    for (const char* bad : {"", "a b@x", "a,b@x", "*@x", "a\"@x"}) {
      CHECK_FALSE(GitSigner::Create(ca, clock, GitSignerOptions{bad, ""}));
    }
  }
}

}  // namespace
}  // namespace notme::ssh
