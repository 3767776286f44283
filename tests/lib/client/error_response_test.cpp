#include <doctest/doctest.h>

#include <string>

#include "notme/client.h"

using notme::ErrorCode;
using notme::client::DecodeErrorResponse;

TEST_SUITE("DecodeErrorResponse") {
  TEST_CASE("an OAuth error name becomes its ErrorCode with the description as message") {
    auto e = DecodeErrorResponse(
        400, R"({"error":"invalid_scope","error_description":"scope admin is not allowed"})");
    CHECK(e.code() == ErrorCode::kInvalidScope);
    CHECK(e.message() == "notmed: scope admin is not allowed");
  }
  TEST_CASE("notme's /v1 error names map too") {
    CHECK(DecodeErrorResponse(404, R"({"error":"not_found"})").code() == ErrorCode::kNotFound);
    CHECK(DecodeErrorResponse(409, R"({"error":"already_exists"})").code() ==
          ErrorCode::kAlreadyExists);
    CHECK(DecodeErrorResponse(400, R"({"error":"use_dpop_nonce"})").code() ==
          ErrorCode::kUseDpopNonce);
  }
  TEST_CASE("without a description the error name is the message") {
    CHECK(DecodeErrorResponse(401, R"({"error":"invalid_token"})").message() ==
          "notmed: invalid_token");
  }
  TEST_CASE("an unknown error name falls back to the HTTP status") {
    CHECK(DecodeErrorResponse(403, R"({"error":"weird"})").code() == ErrorCode::kPermissionDenied);
  }
  TEST_CASE("a body that is not JSON falls back to the HTTP status") {
    auto e = DecodeErrorResponse(500, "<html>oops</html>");
    CHECK(e.code() == ErrorCode::kInternal);
    CHECK(e.message() == "notmed: HTTP 500");
  }
  TEST_CASE("a JSON array or wrongly typed members are ignored") {
    CHECK(DecodeErrorResponse(404, "[1,2]").code() == ErrorCode::kNotFound);
    CHECK(DecodeErrorResponse(400, R"({"error":42,"error_description":[1]})").message() ==
          "notmed: HTTP 400");
  }
  TEST_CASE("an empty body falls back to the HTTP status") {
    CHECK(DecodeErrorResponse(409, "").code() == ErrorCode::kAlreadyExists);
  }
  TEST_CASE("terminal escape sequences in a description are neutralised") {
    auto e = DecodeErrorResponse(
        400, R"({"error":"invalid_request","error_description":"a\u001b[31mred\nx"})");
    CHECK(e.message() == "notmed: a?[31mred?x");
  }
  TEST_CASE("an overlong description is cut") {
    std::string body =
        R"({"error":"invalid_request","error_description":")" + std::string(5000, 'x') + "\"}";
    CHECK(DecodeErrorResponse(400, body).message().size() == std::string("notmed: ").size() + 512);
  }
  TEST_CASE("an oversized body is not parsed") {
    std::string body = R"({"error":"invalid_scope","pad":")" + std::string(70000, 'x') + "\"}";
    CHECK(DecodeErrorResponse(400, body).code() == ErrorCode::kInvalidRequest);
  }
  TEST_CASE("an answer naming daemon_unreachable cannot make the client report exit 3") {
    CHECK(DecodeErrorResponse(503, R"({"error":"daemon_unreachable"})").code() ==
          ErrorCode::kInternal);
  }
  TEST_CASE("a daemon answering unavailable stays unavailable") {
    CHECK(DecodeErrorResponse(503, R"({"error":"unavailable"})").code() == ErrorCode::kUnavailable);
  }
  TEST_CASE("the wire names of proxy and server errors map to their codes") {
    CHECK(DecodeErrorResponse(502, R"({"error":"bad_gateway"})").code() == ErrorCode::kUpstream);
    CHECK(DecodeErrorResponse(504, R"({"error":"gateway_timeout"})").code() == ErrorCode::kTimeout);
    CHECK(DecodeErrorResponse(503, R"({"error":"temporarily_unavailable"})").code() ==
          ErrorCode::kUnavailable);
    CHECK(DecodeErrorResponse(403, R"({"error":"insufficient_scope"})").code() ==
          ErrorCode::kInvalidScope);
    CHECK(DecodeErrorResponse(500, R"({"error":"server_error"})").code() == ErrorCode::kInternal);
  }
}
