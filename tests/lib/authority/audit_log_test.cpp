#include "authority/audit_log.h"

#include <doctest/doctest.h>

#include "base/json_dump.h"
#include "jose/base64url.h"
#include "test_util.h"
#include "token_test_util.h"

namespace notme::authority {
namespace {

using testing::kNow;
using testing::ModeOf;
using testing::ReadAll;
using testing::TempDir;

std::unique_ptr<AuditLog> OpenLog(const TempDir& dir, const Clock& clock,
                                  AuditLogOptions options = {}) {
  auto log = AuditLog::Open(dir.path(), clock, options);
  REQUIRE_MESSAGE(log, log.error().ToString());
  return std::move(*log);
}

uint64_t AppendOk(AuditLog& log, const AuditEvent& event) {
  auto seq = log.Append(event);
  REQUIRE_MESSAGE(seq, seq.error().ToString());
  return *seq;
}

AuditEvent Minted(std::string agent, std::string jti) {
  return AuditEvent{kAuditTokenMinted, AuditPeer{1234, 1000, "/usr/bin/claude"},
                    std::move(agent), "", {{"jti", std::move(jti)}}};
}

TEST_SUITE("AuditLog") {
  TEST_CASE("entries are JSON lines with seq, ts, event, agent, peer and fields") {
    TempDir dir;
    FakeClock clock(kNow);
    auto log = OpenLog(dir, clock);
    CHECK(AppendOk(*log, Minted("claude", "j1")) == 1u);
    CHECK(AppendOk(*log, {kAuditTokenRefused, std::nullopt, "codex", "invalid_scope: admin", {}}) ==
          2u);
    const std::string text = ReadAll(dir.path() / "audit.log");
    const auto nl = text.find('\n');
    const auto first = nlohmann::json::parse(text.substr(0, nl));
    CHECK(first["seq"] == 1);
    CHECK(first["ts"] == kNow);
    CHECK(first["event"] == "token.minted");
    CHECK(first["agent"] == "claude");
    CHECK(first["jti"] == "j1");
    CHECK(first["peer"] == nlohmann::json{{"pid", 1234}, {"uid", 1000}, {"exe", "/usr/bin/claude"}});
    const auto second = nlohmann::json::parse(text.substr(nl + 1));
    CHECK(second["reason"] == "invalid_scope: admin");
    CHECK_FALSE(second.contains("peer"));
  }

  TEST_CASE("a line is the entry's JSON object, members sorted as nlohmann sorts them") {
    TempDir dir;
    FakeClock clock(kNow);
    auto log = OpenLog(dir, clock);
    const std::string jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln";
    // Fields before and after "seq", one named like an entry member (the entry's wins),
    // nested values, a credential name and a JWS-shaped reason (both redacted), UTF-8.
    const nlohmann::json fields = {
        {"aud", "https://api.example"}, {"exp", kNow + 300}, {"scope", "a b"},
        {"status", 200}, {"ts", 1}, {"via", "/v1/tokens"}, {"zeta", {{"x", {1, "y"}}}},
        {"password", "hunter2"}, {"agent", "shadow"}, {"é", "ü"}, {"a\"q", nullptr}};
    REQUIRE(log->Append({kAuditProxyRequest, AuditPeer{42, 1000, "/usr/bin/git"}, "claude",
                         "saw " + jwt, fields}));
    REQUIRE(log->Append({kAuditConfigReloaded, std::nullopt, "", "", nullptr}));
    REQUIRE(log->Append({kAuditTokenRevoked, std::nullopt, "", "", {{"agent", "kept"}}}));
    nlohmann::json first = fields;
    first["ts"] = kNow;
    first["event"] = std::string(kAuditProxyRequest);
    first["agent"] = "claude";
    first["reason"] = "[redacted]";
    first["password"] = "[redacted]";
    first["peer"] = {{"pid", 42}, {"uid", 1000}, {"exe", "/usr/bin/git"}};
    first["seq"] = 1;
    const nlohmann::json second = {
        {"ts", kNow}, {"event", std::string(kAuditConfigReloaded)}, {"seq", 2}};
    const nlohmann::json third = {
        {"agent", "kept"}, {"ts", kNow}, {"event", std::string(kAuditTokenRevoked)}, {"seq", 3}};
    const std::string expected = DumpJson(first) + "\n" + DumpJson(second) + "\n" +
                                 DumpJson(third) + "\n";
    CHECK(ReadAll(dir.path() / "audit.log") == expected);
    // And what --follow serves from memory is the same text.
    auto page = log->Read(0, 10, std::nullopt);
    REQUIRE(page);
    REQUIRE(page->entries.size() == 3);
    CHECK(page->entries[0] == first);
  }

  TEST_CASE("scalar fields give the line the same fields in a JSON tree give") {
    const std::string jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln";
    // Before and after "seq", named like entry members (the entry's own wins, "seq"
    // always), a credential name, a JWS-shaped value, an empty value, UTF-8, quotes.
    const AuditField scalars[] = {
        {"a\"q", std::string_view("x\ny")}, {"agent", std::string_view("shadow")},
        {"aud", std::string_view("")},      {"exp", int64_t{kNow + 300}},
        {"jti", std::string_view(jwt)},     {"kid", std::string_view("k1")},
        {"password", std::string_view("hunter2")}, {"scope", std::string_view("a b")},
        {"seq", int64_t{7}},                {"token", int64_t{5}},
        {"ts", int64_t{1}},                 {"via", std::string_view("/v1/tokens")},
        {"\u00e9", int64_t{-1}}};
    nlohmann::json tree = nlohmann::json::object();
    for (const AuditField& f : scalars) {
      if (const auto* v = std::get_if<std::string_view>(&f.value)) {
        tree[std::string(f.key)] = std::string(*v);
      } else {
        tree[std::string(f.key)] = std::get<int64_t>(f.value);
      }
    }
    for (const bool with_peer : {true, false}) {
      CAPTURE(with_peer);
      std::optional<AuditPeer> peer;
      if (with_peer) peer = AuditPeer{42, 1000, "/usr/bin/git"};
      TempDir a, b;
      FakeClock clock(kNow);
      auto by_tree = OpenLog(a, clock);
      auto by_scalars = OpenLog(b, clock);
      REQUIRE(by_tree->Append({kAuditTokenMinted, peer, "claude", "", tree}));
      REQUIRE(by_scalars->Append({kAuditTokenMinted, peer, "claude", "", nullptr}, scalars));
      // Without an agent, the field of that name is written.
      REQUIRE(by_tree->Append({kAuditTokenMinted, peer, "", "why", tree}));
      REQUIRE(by_scalars->Append({kAuditTokenMinted, peer, "", "why", nullptr}, scalars));
      const std::string text = ReadAll(b.path() / "audit.log");
      CHECK(text == ReadAll(a.path() / "audit.log"));
      CHECK(text.find(jwt) == std::string::npos);
      CHECK(text.find("hunter2") == std::string::npos);
      CHECK(text.find("\"seq\":7") == std::string::npos);
      auto page = by_scalars->Read(0, 10, std::nullopt);
      REQUIRE(page);
      REQUIRE(page->entries.size() == 2);
      CHECK(page->entries[1]["agent"] == "shadow");
    }
  }

  TEST_CASE("scalar fields out of order, repeated or beside tree fields are refused") {
    TempDir dir;
    FakeClock clock(kNow);
    auto log = OpenLog(dir, clock);
    const AuditField unsorted[] = {{"jti", std::string_view("j1")}, {"aud", std::string_view("")}};
    const AuditField repeated[] = {{"jti", std::string_view("j1")}, {"jti", int64_t{1}}};
    const AuditField fine[] = {{"jti", std::string_view("j1")}};
    for (auto bad : {std::span<const AuditField>(unsorted), std::span<const AuditField>(repeated)}) {
      const auto r = log->Append({kAuditTokenMinted, std::nullopt, "claude", "", nullptr}, bad);
      REQUIRE_FALSE(r);
      CHECK(r.error().code() == ErrorCode::kInvalidArgument);
    }
    const auto both = log->Append(Minted("claude", "j2"), fine);
    REQUIRE_FALSE(both);
    CHECK(both.error().code() == ErrorCode::kInvalidArgument);
    // Nothing was written for the refused events, and seq did not move.
    CHECK(ReadAll(dir.path() / "audit.log").empty());
    CHECK(AppendOk(*log, Minted("claude", "j3")) == 1u);
  }

  TEST_CASE("the log file is created owner-only") {
    TempDir dir;
    FakeClock clock(kNow);
    auto log = OpenLog(dir, clock);
    REQUIRE(log->Append(Minted("claude", "j1")));
    CHECK(ModeOf(dir.path() / "audit.log") == 0600);
  }

  TEST_CASE("a loosened mode is tightened on open") {
    TempDir dir;
    FakeClock clock(kNow);
    testing::WriteRaw(dir.path() / "audit.log", "", 0644);
    auto log = OpenLog(dir, clock);
    CHECK(ModeOf(dir.path() / "audit.log") == 0600);
  }

  TEST_CASE("a symlinked log file is refused") {
    TempDir dir;
    TempDir elsewhere;
    FakeClock clock(kNow);
    testing::WriteRaw(elsewhere.path() / "target", "");
    std::filesystem::create_symlink(elsewhere.path() / "target", dir.path() / "audit.log");
    auto log = AuditLog::Open(dir.path(), clock);
    REQUIRE_FALSE(log);
    CHECK(log.error().code() == ErrorCode::kUnsafePath);
  }

  TEST_CASE("seq continues after reopening") {
    TempDir dir;
    FakeClock clock(kNow);
    {
      auto log = OpenLog(dir, clock);
      for (int i = 0; i < 3; ++i) REQUIRE(log->Append(Minted("claude", "j")));
    }
    auto log = OpenLog(dir, clock);
    CHECK(log->last_seq() == 3);
    CHECK(AppendOk(*log, Minted("claude", "j")) == 4u);
  }

  TEST_CASE("a torn last line is skipped and seq continues from the last whole entry") {
    TempDir dir;
    FakeClock clock(kNow);
    {
      auto log = OpenLog(dir, clock);
      REQUIRE(log->Append(Minted("claude", "j")));
    }
    {
      std::ofstream out(dir.path() / "audit.log", std::ios::app);
      out << R"({"seq":2,"event":"tok)";
    }
    auto log = OpenLog(dir, clock);
    CHECK(log->last_seq() == 1);
    auto page = log->Read(0, 10);
    REQUIRE(page);
    CHECK(page->entries.size() == 1);
  }

  TEST_CASE("the log rotates by size and keeps a bounded number of files") {
    TempDir dir;
    FakeClock clock(kNow);
    auto log = OpenLog(dir, clock, {.max_file_bytes = 1024, .keep_files = 3, .recent_entries = 4});
    for (int i = 0; i < 200; ++i) REQUIRE(log->Append(Minted("claude", std::to_string(i))));
    for (const char* name : {"audit.log", "audit.log.1", "audit.log.2", "audit.log.3"}) {
      CAPTURE(name);
      CHECK(std::filesystem::exists(dir.path() / name));
      CHECK(std::filesystem::file_size(dir.path() / name) <= 1024);
      CHECK(ModeOf(dir.path() / name) == 0600);
    }
    CHECK_FALSE(std::filesystem::exists(dir.path() / "audit.log.4"));
    // The newest entry is last in audit.log; seq keeps counting.
    const std::string text = ReadAll(dir.path() / "audit.log");
    const auto last = nlohmann::json::parse(text.substr(text.rfind('\n', text.size() - 2) + 1));
    CHECK(last["seq"] == 200);
  }

  TEST_CASE("reading pages through entries after a seq, across rotated files") {
    TempDir dir;
    FakeClock clock(kNow);
    auto log = OpenLog(dir, clock, {.max_file_bytes = 1024, .keep_files = 3, .recent_entries = 4});
    for (int i = 0; i < 30; ++i) REQUIRE(log->Append(Minted("claude", std::to_string(i))));
    // Older than the in-memory window: served from the files.
    auto page = log->Read(10, 5);
    REQUIRE(page);
    REQUIRE(page->entries.size() == 5);
    CHECK(page->entries[0]["seq"] == 11);
    CHECK(page->entries[4]["seq"] == 15);
    CHECK(page->next == 15);
    // Recent: served from memory.
    page = log->Read(27, 100);
    REQUIRE(page);
    REQUIRE(page->entries.size() == 3);
    CHECK(page->entries[0]["seq"] == 28);
    CHECK(page->next == 30);
    // Nothing new.
    page = log->Read(30, 100);
    REQUIRE(page);
    CHECK(page->entries.empty());
    CHECK(page->next == 30);
  }

  TEST_CASE("reading can filter by agent") {
    TempDir dir;
    FakeClock clock(kNow);
    auto log = OpenLog(dir, clock);
    REQUIRE(log->Append(Minted("claude", "a")));
    REQUIRE(log->Append(Minted("codex", "b")));
    REQUIRE(log->Append(Minted("claude", "c")));
    auto page = log->Read(0, 100, "claude");
    REQUIRE(page);
    REQUIRE(page->entries.size() == 2);
    CHECK(page->entries[1]["jti"] == "c");
    CHECK(page->next == 3);
  }

  TEST_CASE("reading after a restart finds entries in the file") {
    TempDir dir;
    FakeClock clock(kNow);
    {
      auto log = OpenLog(dir, clock);
      for (int i = 0; i < 5; ++i) REQUIRE(log->Append(Minted("claude", std::to_string(i))));
    }
    auto log = OpenLog(dir, clock);
    auto page = log->Read(2, 100);
    REQUIRE(page);
    REQUIRE(page->entries.size() == 3);
    CHECK(page->entries[0]["seq"] == 3);
  }

  TEST_CASE("credential-shaped values are redacted") {
    TempDir dir;
    FakeClock clock(kNow);
    auto log = OpenLog(dir, clock);
    const std::string jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln";
    REQUIRE(log->Append({kAuditTokenRefused, std::nullopt, "claude", "bad token " + jwt,
                         {{"token", "opaque-secret"}, {"nested", {{"x", jwt}}}}}));
    const std::string text = ReadAll(dir.path() / "audit.log");
    CHECK(text.find(jwt) == std::string::npos);
    CHECK(text.find("opaque-secret") == std::string::npos);
    CHECK(text.find("[redacted]") != std::string::npos);
  }

  TEST_CASE("auditing a real mint never writes the token or the signing key") {
    // A known signing seed, so the test can look for its bytes.
    const auto seed_bytes =
        notme::testing::FromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    testing::Stack s({.generate_key = [&]() -> Result<crypto::Ed25519SecretKey> {
      NOTME_TRY(crypto::SecretBytes seed, crypto::SecretBytes::CopyFrom(seed_bytes));
      return crypto::Ed25519SecretKey::FromSeed(seed);
    }});
    REQUIRE(s.agents->Add("claude", {"git:sign"}, {}));
    const auto token = s.MintOk("claude");
    auto log = OpenLog(s.dir, s.clock);
    REQUIRE(log->Append({kAuditTokenMinted, AuditPeer{1, 0, "/bin/x"}, token.agent, "",
                         {{"jti", token.jti}, {"scope", token.scope}, {"aud", token.audience},
                          {"kid", token.kid}, {"jkt", token.jkt}}}));
    REQUIRE(log->Append({kAuditKeyRotated, std::nullopt, "", "", {{"kid", token.kid}}}));
    REQUIRE(log->Append({kAuditTokenRevoked, std::nullopt, token.agent, "", {{"jti", token.jti}}}));

    std::string everything;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(s.dir.path())) {
      if (entry.is_regular_file()) everything += ReadAll(entry.path());
    }
    CHECK(everything.find(token.jti) != std::string::npos);
    CHECK(everything.find(token.access_token) == std::string::npos);
    const std::string signature = token.access_token.substr(token.access_token.rfind('.') + 1);
    CHECK(everything.find(signature) == std::string::npos);
    const std::string raw(seed_bytes.begin(), seed_bytes.end());
    CHECK(everything.find(raw) == std::string::npos);
    CHECK(everything.find(notme::testing::ToHex(seed_bytes)) == std::string::npos);
    CHECK(everything.find(jose::Base64UrlEncode(seed_bytes)) == std::string::npos);
    // Nor do the JWKS or the introspection answer carry the private key.
    const std::string published =
        s.keys->Jwks().dump() + s.issuer->Introspect(token.access_token, std::nullopt).dump();
    CHECK(published.find(jose::Base64UrlEncode(seed_bytes)) == std::string::npos);
    CHECK(published.find("\"d\"") == std::string::npos);
  }
}

}  // namespace
}  // namespace notme::authority
