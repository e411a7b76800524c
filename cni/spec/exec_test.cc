#include "cni/spec/exec.h"

#include <gtest/gtest.h>

namespace skiff::cni {
namespace {

TEST(Exec, PassesStdinEnvAndCapturesOutput) {
  ExecRequest req;
  req.path = "/bin/sh";
  req.argv = {"sh", "-c", "cat; echo \"$CNI_COMMAND\" >&2; exit 3"};
  req.env = {"CNI_COMMAND=ADD", "PATH=/usr/bin:/bin"};
  req.stdin_data = std::string(200000, 'x');  // larger than a pipe buffer
  auto out = Exec(req);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->exit_code, 3);
  EXPECT_EQ(out->out.size(), 200000u);
  EXPECT_EQ(out->err, "ADD\n");
}

TEST(Exec, TimeoutKillsTheProcessGroup) {
  ExecRequest req;
  req.path = "/bin/sh";
  req.argv = {"sh", "-c", "sleep 30 & sleep 30"};
  req.env = {"PATH=/usr/bin:/bin"};
  req.timeout = std::chrono::milliseconds(200);
  auto out = Exec(req);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(out.status().message().find("/bin/sh"), std::string::npos);
}

TEST(Exec, MissingBinary) {
  ExecRequest req;
  req.path = "/nonexistent/plugin";
  auto out = Exec(req);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kNotFound);
}

TEST(Exec, OutputLimit) {
  ExecRequest req;
  req.path = "/bin/sh";
  req.argv = {"sh", "-c", "head -c 100000 /dev/zero"};
  req.env = {"PATH=/usr/bin:/bin"};
  req.max_output = 1000;
  auto out = Exec(req);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
}

TEST(Exec, FindPluginSearchesEveryDirectory) {
  auto p = FindPlugin("sh", {"/nonexistent", "/bin"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, "/bin/sh");
  auto missing = FindPlugin("no-such-plugin", {"/a", "/b"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/a:/b"), std::string::npos);
  EXPECT_FALSE(FindPlugin("../sh", {"/bin"}).ok());
  EXPECT_EQ(SplitPathList("/a::/b:"), (std::vector<std::string>{"/a", "/b"}));
}

}  // namespace
}  // namespace skiff::cni
