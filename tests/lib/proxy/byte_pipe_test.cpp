#include "proxy/byte_pipe.h"

#include <doctest/doctest.h>

#include <thread>

namespace notme::proxy {

TEST_SUITE("BytePipe") {
  TEST_CASE("bytes written on one thread arrive in order on another") {
    BytePipe pipe(16);
    std::thread writer([&] {
      for (int i = 0; i < 100; ++i) {
        std::string s = std::to_string(i) + ",";
        REQUIRE(pipe.Write(s.data(), s.size()));
      }
      pipe.Finish();
    });
    std::string all, buf;
    while (pipe.Read(buf, 7) == BytePipe::ReadStatus::kData) all += buf;
    writer.join();
    std::string expected;
    for (int i = 0; i < 100; ++i) expected += std::to_string(i) + ",";
    CHECK(all == expected);
  }

  TEST_CASE("abort wakes a blocked writer and fails it") {
    BytePipe pipe(4);
    REQUIRE(pipe.Write("abcd", 4));
    std::thread writer([&] { CHECK_FALSE(pipe.Write("efgh", 4)); });
    pipe.Abort();
    writer.join();
    std::string buf;
    CHECK(pipe.Read(buf, 10) == BytePipe::ReadStatus::kAborted);
  }

  TEST_CASE("a reader sees EOF after the data once the writer finishes") {
    BytePipe pipe(64);
    REQUIRE(pipe.Write("xy", 2));
    pipe.Finish();
    std::string buf;
    CHECK(pipe.Read(buf, 10) == BytePipe::ReadStatus::kData);
    CHECK(buf == "xy");
    CHECK(pipe.Read(buf, 10) == BytePipe::ReadStatus::kEof);
    CHECK_FALSE(pipe.Write("z", 1));
  }
}

}  // namespace notme::proxy
