#include "controlplane/metrics/http_get.h"

#include <gtest/gtest.h>

#include "controlplane/metrics/testing/stub_http_server.h"

namespace skiff::metrics {
namespace {

TEST(ParseHttpResponseTest, ContentLength) {
  auto r = ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 100);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
}

TEST(ParseHttpResponseTest, Chunked) {
  auto r = ParseHttpResponse(
      "HTTP/1.1 200 OK\r\ntransfer-encoding: "
      "Chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\n\r\n",
      100);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "hello!");
}

TEST(ParseHttpResponseTest, UntilClose) {
  auto r = ParseHttpResponse("HTTP/1.0 404 Not Found\r\nX: y\r\n\r\nno such page", 100);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, "no such page");
}

TEST(ParseHttpResponseTest, Malformed) {
  for (const char* raw : {"", "HTTP/1.1 200 OK\r\n", "garbage\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
                          "HTTP/1.1 999 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n",
                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"}) {
    auto r = ParseHttpResponse(raw, 100);
    ASSERT_FALSE(r.ok()) << raw;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << raw;
  }
}

TEST(ParseHttpResponseTest, BodyLimit) {
  EXPECT_FALSE(ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 4).ok());
  EXPECT_FALSE(ParseHttpResponse("HTTP/1.1 200 OK\r\n\r\nhello", 4).ok());
  EXPECT_FALSE(ParseHttpResponse(
                   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n", 4)
                   .ok());
}

using testing::StubHttpServer;
using testing::StubRequest;

TEST(HttpGetTest, SendsTokenAndReadsBody) {
  StubHttpServer server([](const StubRequest&) {
    return std::string("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"ok\":true}");
  });
  HttpGetRequest req;
  req.host = "127.0.0.1";
  req.port = server.port();
  req.path = "/stats/summary";
  req.bearer_token = "s3cret";
  req.timeout = std::chrono::seconds(5);
  auto r = HttpGet(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"ok\":true}");
  std::string sent = server.last_request().head + "\r\n";
  EXPECT_EQ(server.last_request().authorization, "Bearer s3cret");
  EXPECT_NE(sent.find("GET /stats/summary HTTP/1.1\r\n"), std::string::npos) << sent;
  EXPECT_NE(sent.find("Authorization: Bearer s3cret\r\n"), std::string::npos) << sent;
  EXPECT_NE(sent.find("Host: 127.0.0.1:" + std::to_string(server.port())), std::string::npos);
}

TEST(HttpGetTest, TimesOutOnASilentServer) {
  StubHttpServer server([](const StubRequest&) { return std::nullopt; });
  HttpGetRequest req;
  req.host = "127.0.0.1";
  req.port = server.port();
  req.timeout = std::chrono::milliseconds(200);
  auto r = HttpGet(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
}

TEST(HttpGetTest, RefusedConnectionIsUnavailable) {
  uint16_t port;
  {
    StubHttpServer server([](const StubRequest&) { return StubHttpServer::Reply(200, ""); });
    port = server.port();
    HttpGetRequest req;
    req.host = "127.0.0.1";
    req.port = port;
    ASSERT_TRUE(HttpGet(req).ok());
  }
  HttpGetRequest req;
  req.host = "127.0.0.1";
  req.port = port;
  req.timeout = std::chrono::seconds(2);
  auto r = HttpGet(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find("127.0.0.1:" + std::to_string(port)), std::string::npos);
}

TEST(HttpGetTest, RejectsBadRequests) {
  HttpGetRequest req;
  req.host = "127.0.0.1";
  req.port = 1;
  req.path = "/a b";
  EXPECT_EQ(HttpGet(req).status().code(), StatusCode::kInvalidArgument);
  req.path = "/";
  req.bearer_token = "a\r\nX-Evil: 1";
  EXPECT_EQ(HttpGet(req).status().code(), StatusCode::kInvalidArgument);
  req.bearer_token = "";
  req.port = 0;
  EXPECT_EQ(HttpGet(req).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace skiff::metrics
