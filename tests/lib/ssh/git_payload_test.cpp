#include "ssh/git_payload.h"

#include <doctest/doctest.h>

#include "ssh/wire.h"

namespace notme::ssh {
namespace {

constexpr std::string_view kTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

Result<GitObjectHeader> Parse(std::string_view s) { return ParseGitObjectHeader(AsBytes(s)); }

std::string Commit(std::string_view committer_line) {
  return "tree " + std::string(kTree) +
         "\nparent 1111111111111111111111111111111111111111\n"
         "author A U Thor <a@example.com> 1700000000 +0100\n" +
         std::string(committer_line) + "\n\nmessage\n";
}

TEST_SUITE("GitPayload") {
  TEST_CASE("a commit yields its tree and committer time") {
    auto h = Parse(Commit("committer C O Mitter <c@example.com> 1700000123 -0700"));
    REQUIRE(h);
    CHECK(h->kind == GitObjectKind::kCommit);
    CHECK(h->tree == kTree);
    CHECK(h->timestamp == 1700000123);
  }

  TEST_CASE("a commit with an empty message is accepted") {
    auto h = Parse("tree " + std::string(kTree) + "\ncommitter C <c@x> 5 +0000\n");
    REQUIRE(h);
    CHECK(h->timestamp == 5);
  }

  TEST_CASE("a tag yields its tagger time") {
    auto h = Parse(
        "object 1111111111111111111111111111111111111111\ntype commit\ntag v1\n"
        "tagger T <t@example.com> 1700000999 +0000\n\nrelease\n");
    REQUIRE(h);
    CHECK(h->kind == GitObjectKind::kTag);
    CHECK(h->tree.empty());
    CHECK(h->timestamp == 1700000999);
  }

  TEST_CASE("a push certificate yields its pusher time") {
    auto h = Parse("certificate version 0.1\npusher P <p@x> 1700000001 +0000\npushee u\n\n");
    REQUIRE(h);
    CHECK(h->kind == GitObjectKind::kPushCertificate);
  }

  TEST_CASE("a message line that looks like a committer line is not read") {
    auto h = Parse(Commit("committer C <c@x> 100 +0000") + "committer Z <z@x> 200 +0000\n");
    REQUIRE(h);
    CHECK(h->timestamp == 100);
  }

  TEST_CASE("arbitrary data is not a git object") { CHECK_FALSE(Parse("hello world\n")); }
  TEST_CASE("an empty payload is rejected") { CHECK_FALSE(Parse("")); }
  TEST_CASE("a commit without a committer is rejected") {
    CHECK_FALSE(Parse("tree " + std::string(kTree) + "\nauthor A <a@x> 1 +0000\n\nm\n"));
  }
  TEST_CASE("a commit with two committer lines is rejected") {
    CHECK_FALSE(Parse(Commit("committer C <c@x> 1 +0000\ncommitter D <d@x> 2 +0000")));
  }
  TEST_CASE("a committer timestamp that is not a number is rejected") {
    CHECK_FALSE(Parse(Commit("committer C <c@x> 17e8 +0000")));
    CHECK_FALSE(Parse(Commit("committer C <c@x> -5 +0000")));
    CHECK_FALSE(Parse(Commit("committer C <c@x>  +0000")));
    CHECK_FALSE(Parse(Commit("committer C <c@x>")));
    CHECK_FALSE(Parse(Commit("committer C <c@x> 99999999999999999999 +0000")));
  }
  TEST_CASE("a committer line without an email is rejected") {
    CHECK_FALSE(Parse(Commit("committer C 1700000000 +0000")));
  }
  TEST_CASE("a commit with a malformed tree id is rejected") {
    CHECK_FALSE(Parse("tree xyz\ncommitter C <c@x> 1 +0000\n\nm\n"));
    CHECK_FALSE(Parse("tree " + std::string(kTree).substr(1) + "\ncommitter C <c@x> 1 +0000\n\n"));
  }
  TEST_CASE("an unterminated header is rejected") {
    CHECK_FALSE(Parse("tree " + std::string(kTree) + "\ncommitter C <c@x> 1 +0000"));
  }
}

}  // namespace
}  // namespace notme::ssh
