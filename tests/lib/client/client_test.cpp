#include <doctest/doctest.h>
#include <unistd.h>

#include "notme/client.h"

using namespace notme;
using notme::client::Client;
using notme::client::ClientOptions;

TEST_SUITE("Client") {
  TEST_CASE("each client has its own proof key with a 43-character thumbprint") {
    auto a = Client::Create(ClientOptions{.socket = "/tmp/none.sock"});
    auto b = Client::Create(ClientOptions{.socket = "/tmp/none.sock"});
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->ProofKeyThumbprint().size() == 43);
    CHECK(a->ProofKeyThumbprint() != b->ProofKeyThumbprint());
  }
  TEST_CASE("a request to a socket nobody serves fails as daemon unreachable") {
    auto c = Client::Create(ClientOptions{.socket = "/tmp/notme-clt-nobody-here.sock"});
    REQUIRE(c);
    auto r = c->Call("GET", "/v1/status");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kDaemonUnreachable);
  }
  TEST_CASE("a token request needs at least one scope, none with spaces") {
    auto c = Client::Create(ClientOptions{.socket = "/tmp/notme-clt-nobody-here.sock"});
    REQUIRE(c);
    auto none = c->RequestToken({"a", {}, ""});
    REQUIRE_FALSE(none);
    CHECK(none.error().code() == ErrorCode::kInvalidArgument);
    auto spaced = c->RequestToken({"a", {"x y"}, ""});
    REQUIRE_FALSE(spaced);
    CHECK(spaced.error().code() == ErrorCode::kInvalidArgument);
  }
}
