// Runs against a real gnome-keyring-daemon on a private session bus: registered through
// tests/keyring_harness/run, which also provides a throwaway $NOTME_TEST_HOME.
#include "keyring/secret_service_keyring.h"

#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "crypto/random.h"
#include "keyring/open_keyring.h"
#include "lib/keyring/keyring_test_util.h"
#include "test_util.h"

namespace notme::keyring {
namespace {
using testing::Bytes;
using testing::Reveal;
using testing::Secret;

std::unique_ptr<SecretServiceKeyring> Connect() {
  REQUIRE_MESSAGE(std::getenv("NOTME_TEST_HOME") != nullptr,
                  "run this test through tests/keyring_harness/run");
  auto k = SecretServiceKeyring::Connect();
  if (!k) FAIL(k.error().ToString());
  return std::move(*k);
}

// Every regular file under `root` whose bytes contain `needle`.
std::vector<std::string> FilesContaining(const std::filesystem::path& root,
                                         const std::vector<uint8_t>& needle) {
  std::vector<std::string> hits;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec || !it->is_regular_file(ec)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    if (std::search(data.begin(), data.end(), needle.begin(), needle.end()) != data.end()) {
      hits.push_back(it->path().string());
    }
  }
  return hits;
}

// The pid of the process that owns org.freedesktop.secrets on this test's private bus
// (the harness's gnome-keyring-daemon), asked from the bus itself.
pid_t SecretServicePid() {
  FILE* p = ::popen(
      "dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus "
      "/org/freedesktop/DBus org.freedesktop.DBus.GetConnectionUnixProcessID "
      "string:org.freedesktop.secrets",
      "r");
  REQUIRE(p != nullptr);
  char buf[128] = {};
  const size_t n = std::fread(buf, 1, sizeof(buf) - 1, p);
  REQUIRE(::pclose(p) == 0);
  // "   uint32 1234"
  const std::string out(buf, n);
  const size_t digits = out.find_first_of("0123456789", out.find("uint32") + 6);
  REQUIRE(digits != std::string::npos);
  return static_cast<pid_t>(std::stol(out.substr(digits)));
}

// Stops a process for the scope's lifetime; it continues however the scope is left.
class Stopped {
 public:
  explicit Stopped(pid_t pid) : pid_(pid) { REQUIRE(::kill(pid_, SIGSTOP) == 0); }
  ~Stopped() { ::kill(pid_, SIGCONT); }
  Stopped(const Stopped&) = delete;
  Stopped& operator=(const Stopped&) = delete;

 private:
  pid_t pid_;
};

}  // namespace

TEST_SUITE("SecretServiceKeyring") {
  TEST_CASE("a keyring that stops answering times out every call, then answers again") {
    REQUIRE_MESSAGE(std::getenv("NOTME_TEST_HOME") != nullptr,
                    "run this test through tests/keyring_harness/run");
    auto connected = SecretServiceKeyring::Connect(std::chrono::milliseconds(400));
    REQUIRE(connected.has_value());
    auto& k = *connected;
    REQUIRE(k->Store("secret/stalled", Secret("still-here"), "s").has_value());
    {
      Stopped stopped(SecretServicePid());
      // One watchdog serves every call: each must be cancelled on its own deadline.
      for (int i = 0; i < 3; ++i) {
        const auto start = std::chrono::steady_clock::now();
        auto got = k->Lookup("secret/stalled");
        const auto elapsed = std::chrono::steady_clock::now() - start;
        REQUIRE_FALSE(got.has_value());
        CHECK(got.error().code() == ErrorCode::kTimeout);
        CHECK(elapsed >= std::chrono::milliseconds(400));
        CHECK(elapsed < std::chrono::seconds(5));
      }
      auto stored = k->Store("secret/stalled-2", Secret("x"), "s");
      REQUIRE_FALSE(stored.has_value());
      CHECK(stored.error().code() == ErrorCode::kTimeout);
    }
    // Answering again: no call is cancelled by an earlier call's deadline.
    for (int i = 0; i < 5; ++i) {
      auto got = k->Lookup("secret/stalled");
      REQUIRE(got.has_value());
      CHECK(Reveal(*got) == Bytes("still-here"));
    }
    CHECK(k->Remove("secret/stalled").has_value());
    // The timed-out store's request may still have reached the keyring once it woke up.
    (void)k->Remove("secret/stalled-2");
  }

  TEST_CASE("libsecret is loaded on the first connection, not at start") {
    // The binary does not link libsecret (lib/keyring/libsecret_api.h): it is mapped
    // once a connection was made, by the dlopen in Connect.
    auto k = Connect();
    std::ifstream maps("/proc/self/maps");
    std::stringstream buffer;
    buffer << maps.rdbuf();
    const std::string text = buffer.str();
    CHECK(text.find("libsecret-1.so.0") != std::string::npos);
    CHECK(text.find("libglib-2.0.so.0") != std::string::npos);
  }

  TEST_CASE("store, lookup, list and remove round-trip through gnome-keyring") {
    auto k = Connect();
    CHECK(k->Backend() == "secret-service");
    REQUIRE(k->Store("secret/roundtrip", Secret("hunter2-value"), "notme test").has_value());
    auto v = k->Lookup("secret/roundtrip");
    if (!v) FAIL(v.error().ToString());
    CHECK(Reveal(*v) == Bytes("hunter2-value"));

    auto list = k->List();
    REQUIRE(list.has_value());
    auto it = std::find_if(list->begin(), list->end(),
                           [](const SecretInfo& i) { return i.name == "secret/roundtrip"; });
    REQUIRE(it != list->end());
    CHECK(it->kind == Kind::kSecret);
    CHECK(it->label == "notme test");
    CHECK(it->created > 1'600'000'000);
    CHECK(it->modified >= it->created);

    REQUIRE(k->Remove("secret/roundtrip").has_value());
    CHECK(k->Lookup("secret/roundtrip").error().code() == ErrorCode::kNotFound);
  }

  TEST_CASE("binary values with NUL bytes round-trip") {
    auto k = Connect();
    std::vector<uint8_t> value = {0, 0, 1, 0xff, 0, 0x80, 0x7f, 0, 0xc3, 0x28, 0};
    REQUIRE(k->Store("ssh-ca", Secret(value), "notme SSH CA").has_value());
    CHECK(Reveal(*k->Lookup("ssh-ca")) == value);
    std::vector<uint8_t> all(256);
    for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i);
    REQUIRE(k->Store("idjag-provider", Secret(all), "notme ID-JAG provider").has_value());
    CHECK(Reveal(*k->Lookup("idjag-provider")) == all);
    REQUIRE(k->Remove("ssh-ca").has_value());
    REQUIRE(k->Remove("idjag-provider").has_value());
  }

  TEST_CASE("a 64 KiB value round-trips and a larger one is refused") {
    auto k = Connect();
    std::vector<uint8_t> max = crypto::RandomBytes(kMaxValueSize);
    REQUIRE(k->Store("secret/max", Secret(max), "max").has_value());
    CHECK(Reveal(*k->Lookup("secret/max")) == max);
    REQUIRE(k->Remove("secret/max").has_value());
    std::vector<uint8_t> big(kMaxValueSize + 1, 1);
    CHECK(k->Store("secret/big", Secret(big), "big").error().code() == ErrorCode::kTooLarge);
  }

  TEST_CASE("absent names are kNotFound for lookup and remove") {
    auto k = Connect();
    CHECK(k->Lookup("secret/never-stored").error().code() == ErrorCode::kNotFound);
    CHECK(k->Remove("secret/never-stored").error().code() == ErrorCode::kNotFound);
  }

  TEST_CASE("storing again overwrites the value and leaves one entry") {
    auto k = Connect();
    REQUIRE(k->Store("secret/over", Secret("first-value"), "one").has_value());
    REQUIRE(k->Store("secret/over", Secret("second"), "two").has_value());
    CHECK(Reveal(*k->Lookup("secret/over")) == Bytes("second"));
    auto list = k->List();
    REQUIRE(list.has_value());
    CHECK(std::count_if(list->begin(), list->end(),
                        [](const SecretInfo& i) { return i.name == "secret/over"; }) == 1);
    REQUIRE(k->Remove("secret/over").has_value());
  }

  TEST_CASE("List never shows items written by other applications") {
    auto k = Connect();
    REQUIRE(std::system("printf other-app-value | secret-tool store --label=other "
                        "service example.org >/dev/null 2>&1") == 0);
    REQUIRE(k->Store("secret/mine", Secret("v"), "mine").has_value());
    auto list = k->List();
    REQUIRE(list.has_value());
    for (const auto& info : *list) CHECK(ParseName(info.name).has_value());
    CHECK(std::any_of(list->begin(), list->end(),
                      [](const SecretInfo& i) { return i.name == "secret/mine"; }));
    REQUIRE(k->Remove("secret/mine").has_value());
  }

  TEST_CASE("invalid names never reach the Secret Service") {
    auto k = Connect();
    CHECK(k->Store("secret/a b", Secret("v"), "x").error().code() == ErrorCode::kInvalidArgument);
    CHECK(k->Lookup("ssh-ca/../x").error().code() == ErrorCode::kInvalidArgument);
    CHECK(k->Remove("x").error().code() == ErrorCode::kInvalidArgument);
  }

  TEST_CASE("the value never appears in plain text in any file under HOME") {
    auto k = Connect();
    // A random printable value, so that any plain-text or hex leak is findable.
    const std::string value = "notme-leak-canary-" + notme::testing::ToHex(crypto::RandomBytes(16));
    REQUIRE(k->Store("secret/canary", Secret(value), "canary").has_value());
    REQUIRE(Reveal(*k->Lookup("secret/canary")) == Bytes(value));
    const std::filesystem::path home = std::getenv("NOTME_TEST_HOME");
    // The keyring file itself exists (so the store really went to disk) ...
    CHECK(std::filesystem::exists(home / "data" / "keyrings" / "login.keyring"));
    // ... and nothing under the temporary HOME, the keyring included, holds the value
    // in the clear.
    CHECK(FilesContaining(home, Bytes(value)).empty());
    CHECK(FilesContaining(home, Bytes(notme::testing::ToHex(Bytes(value)))).empty());
    REQUIRE(k->Remove("secret/canary").has_value());
  }

  TEST_CASE("OpenKeyring picks the Secret Service in both auto and secret-service modes") {
    std::string warning = "stale";
    auto a = OpenKeyring(Mode::kAuto, &warning);
    REQUIRE(a.has_value());
    CHECK((*a)->Backend() == "secret-service");
    CHECK(warning.empty());
    auto s = OpenKeyring(Mode::kSecretService, &warning);
    REQUIRE(s.has_value());
    CHECK((*s)->Backend() == "secret-service");
  }

  TEST_CASE("two keyring objects see the same store") {
    auto a = Connect();
    auto b = Connect();
    REQUIRE(a->Store("secret/shared", Secret("shared-v"), "s").has_value());
    CHECK(Reveal(*b->Lookup("secret/shared")) == Bytes("shared-v"));
    REQUIRE(b->Remove("secret/shared").has_value());
    CHECK(a->Lookup("secret/shared").error().code() == ErrorCode::kNotFound);
  }

  TEST_CASE("calls from several threads at once all succeed") {
    auto k = Connect();
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&k, &failures, t] {
        const std::string name = "secret/thread" + std::to_string(t);
        for (int i = 0; i < 5; ++i) {
          const std::string value = name + "#" + std::to_string(i);
          if (!k->Store(name, Secret(value), "t")) ++failures;
          auto got = k->Lookup(name);
          if (!got || Reveal(*got) != Bytes(value)) ++failures;
        }
        if (!k->Remove(name)) ++failures;
      });
    }
    for (auto& th : threads) th.join();
    CHECK(failures.load() == 0);
  }

  TEST_CASE("concurrent lookups of one name share a lookup and each get the value") {
    auto k = Connect();
    const std::string value(70000 / 2, 'v');  // above the short-lived slot size too
    REQUIRE(k->Store("secret/shared", Secret(value), "s").has_value());
    REQUIRE(k->Store("secret/small", Secret("tiny"), "s").has_value());
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&k, &failures, &value, t] {
        for (int i = 0; i < 20; ++i) {
          const bool big = (t + i) % 2 == 0;
          auto got = k->Lookup(big ? "secret/shared" : "secret/small");
          if (!got || Reveal(*got) != Bytes(big ? value : std::string("tiny"))) ++failures;
          auto absent = k->Lookup("secret/absent-shared");
          if (absent || absent.error().code() != ErrorCode::kNotFound) ++failures;
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(failures.load() == 0);
    CHECK(k->Remove("secret/shared").has_value());
    CHECK(k->Remove("secret/small").has_value());
  }

  TEST_CASE("a lookup after a store returns sees the stored value, while others look it up") {
    auto k = Connect();
    REQUIRE(k->Store("secret/moving", Secret("v0"), "m").has_value());
    std::atomic<bool> stop{false};
    std::atomic<int> failures{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 4; ++t) {
      readers.emplace_back([&] {
        while (!stop.load()) {
          if (!k->Lookup("secret/moving")) ++failures;
        }
      });
    }
    for (int i = 1; i <= 15; ++i) {
      const std::string v = "v" + std::to_string(i);
      REQUIRE(k->Store("secret/moving", Secret(v), "m").has_value());
      auto got = k->Lookup("secret/moving");
      if (!got || Reveal(*got) != Bytes(v)) ++failures;
    }
    stop = true;
    for (auto& th : readers) th.join();
    CHECK(failures.load() == 0);
    REQUIRE(k->Remove("secret/moving").has_value());
    auto gone = k->Lookup("secret/moving");
    REQUIRE_FALSE(gone);
    CHECK(gone.error().code() == ErrorCode::kNotFound);
  }
}

}  // namespace notme::keyring
