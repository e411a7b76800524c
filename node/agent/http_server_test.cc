#include "node/agent/http_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "node/agent/auth.h"

namespace skiff::node {
namespace {

std::string Curl(const std::string& args) {
  std::string out;
  FILE* p = popen(("curl -s -m 5 " + args + " 2>&1").c_str(), "r");
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0)
    out.append(buf.data(), n);
  pclose(p);
  return out;
}

TEST(ParseRequestHeadTest, LineHeadersAndQuery) {
  auto r = ParseRequestHead(
      "GET /containerLogs/ns/p%2Dx/c?follow=true&tailLines=10&name=a+b%21&flag HTTP/1.1\r\n"
      "Host: x\r\nAuthorization: Bearer abc.def\r\nX-Empty:\r\nno colon here");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->method, "GET");
  EXPECT_EQ(r->path, "/containerLogs/ns/p-x/c");
  EXPECT_EQ(r->Param("follow"), "true");
  EXPECT_EQ(r->Param("tailLines"), "10");
  EXPECT_EQ(r->Param("name"), "a b!");
  EXPECT_TRUE(r->HasParam("flag"));
  EXPECT_EQ(r->Param("flag"), "");
  EXPECT_FALSE(r->HasParam("previous"));
  EXPECT_EQ(r->BearerToken(), "abc.def");
  EXPECT_EQ(r->headers.at("host"), "x");
  EXPECT_EQ(r->headers.at("x-empty"), "");
  auto lower = ParseRequestHead("GET / HTTP/1.0\r\nauthorization: bearer t");
  EXPECT_EQ(lower->BearerToken(), "t");
  auto basic = ParseRequestHead("GET / HTTP/1.0\r\nAuthorization: Basic dTpw");
  EXPECT_EQ(basic->BearerToken(), "");
}

TEST(ParseRequestHeadTest, Malformed) {
  for (const char* bad : {"", "GET", "GET /", "GET / FTP/1", "GET  HTTP/1.1", "GET x HTTP/1.1"}) {
    EXPECT_FALSE(ParseRequestHead(bad).ok()) << bad;
  }
  EXPECT_EQ(UrlDecode("%zz%4", false), "%zz%4");
  EXPECT_EQ(UrlDecode("a+b", false), "a+b");
}

TEST(AgentHttpServerTest, RoutesStreamsAndErrors) {
  std::map<std::string, HttpHandler> routes;
  routes["/healthz"] = [](const HttpRequest&, ResponseWriter& w) {
    w.Send(200, "text/plain", "ok");
  };
  routes["/stream/"] = [](const HttpRequest& r, ResponseWriter& w) {
    w.BeginStream(200, "text/plain");
    for (int i = 0; i < 3; ++i)
      w.Write("part" + std::to_string(i) + "\n");
    w.Write(r.Param("x"));
  };
  routes["/silent"] = [](const HttpRequest&, ResponseWriter&) {};
  auto s = AgentHttpServer::Start("127.0.0.1:0", routes);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::string base = "http://127.0.0.1:" + std::to_string((*s)->port());
  EXPECT_EQ(Curl(base + "/healthz"), "ok");
  EXPECT_EQ(Curl(base + "/stream/a?x=end"), "part0\npart1\npart2\nend");
  EXPECT_EQ(Curl("-o /dev/null -w '%{http_code}' " + base + "/healthzX"), "404");
  EXPECT_EQ(Curl("-o /dev/null -w '%{http_code}' " + base + "/nothing"), "404");
  EXPECT_EQ(Curl("-o /dev/null -w '%{http_code}' -X POST " + base + "/healthz"), "405");
  EXPECT_EQ(Curl("-o /dev/null -w '%{http_code}' " + base + "/silent"), "500");
  auto taken = AgentHttpServer::Start("127.0.0.1:" + std::to_string((*s)->port()), routes);
  EXPECT_EQ(taken.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(AgentHttpServer::Start("nonsense", routes).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(AgentHttpServerTest, PostRoutesGetBodiesAndRepeatedParams) {
  std::map<std::string, HttpHandler> routes;
  routes["POST /run/"] = [](const HttpRequest& r, ResponseWriter& w) {
    std::string args;
    for (const auto& a : r.Params("command"))
      args += "[" + a + "]";
    w.Send(200, "text/plain", args + r.body, {{"X-Test", std::to_string(r.body.size())}});
  };
  auto s = AgentHttpServer::Start("127.0.0.1:0", routes);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::string base = "http://127.0.0.1:" + std::to_string((*s)->port());
  EXPECT_EQ(Curl("--data-binary 'line1' '" + base + "/run/x?command=sh&command=-c&command=a+b'"),
            "[sh][-c][a b]line1");
  // A body larger than one read, and the extra header.
  char path[] = "/tmp/skiff-agent-http-body-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string big(100000, 'z');
  ASSERT_EQ(write(fd, big.data(), big.size()), static_cast<ssize_t>(big.size()));
  close(fd);
  std::string headers =
      Curl("-D - -o /dev/null --data-binary @" + std::string(path) + " " + base + "/run/y");
  unlink(path);
  EXPECT_NE(headers.find("X-Test: 100000"), std::string::npos) << headers;
  // GET on a POST-only route: 405; an unknown POST path: 404.
  EXPECT_EQ(Curl("-o /dev/null -w '%{http_code}' " + base + "/run/x"), "405");
  EXPECT_EQ(Curl("-o /dev/null -w '%{http_code}' -X POST " + base + "/other"), "404");
  // Over the body limit: 413 before anything is read.
  EXPECT_EQ(Curl("-o /dev/null -w '%{http_code}' -H 'Content-Length: 99999999999' -X POST " + base +
                 "/run/x"),
            "413");
}

TEST(AgentHttpServerTest, ShutdownEndsAStreamWaitingForAClient) {
  std::map<std::string, HttpHandler> routes;
  std::atomic<bool> ended{false};
  routes["/wait"] = [&](const HttpRequest&, ResponseWriter& w) {
    w.BeginStream(200, "text/plain");
    w.Write("hi\n");
    while (!w.WaitClosed(50)) {
    }
    ended = true;
  };
  auto s = AgentHttpServer::Start("127.0.0.1:0", routes);
  ASSERT_TRUE(s.ok());
  std::string url = "http://127.0.0.1:" + std::to_string((*s)->port()) + "/wait";
  std::thread client([&] { Curl(url); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  s->reset();
  EXPECT_TRUE(ended);
  client.join();
}

TEST(TokenCheckerTest, CachesVerdictsNotOutages) {
  int calls = 0;
  TokenChecker checker(
      [&](const std::string& token, const std::string&, const std::string&, Access) {
        ++calls;
        if (token == "good") return Status::Ok();
        if (token == "down") return Unavailable("no server");
        return Status(StatusCode::kUnauthenticated, "bad token");
      });
  EXPECT_EQ(checker.Check("", "ns", "p").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(checker.Check("good", "ns", "p").ok());
  EXPECT_TRUE(checker.Check("good", "ns", "p").ok());
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(checker.Check("good", "ns", "other").ok());
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(checker.Check("evil", "ns", "p").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(checker.Check("evil", "ns", "p").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(checker.Check("down", "ns", "p").code(), StatusCode::kUnavailable);
  EXPECT_EQ(checker.Check("down", "ns", "p").code(), StatusCode::kUnavailable);
  EXPECT_EQ(calls, 5);
}

}  // namespace
}  // namespace skiff::node
