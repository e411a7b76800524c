// ServiceAccountTokens: one request per pod/audience/lifetime, refresh at
// 80% of the lifetime (or 24 h), the old token kept while a refresh fails,
// back-off after failures. A fake API and an injected clock.
#include "node/agent/service_account_tokens.h"

#include <gtest/gtest.h>

#include <vector>

namespace skiff::node {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::system_clock::time_point;

class FakeTokenApi : public api::ApiClient {
 public:
  explicit FakeTokenApi(const TimePoint* now) : now_(now) {}
  Result<api::ObjectResponse> Create(const api::CreateRequest&) override { return Unimplemented(); }
  Result<api::ObjectResponse> Get(const api::GetRequest&) override { return Unimplemented(); }
  Result<api::ListResponse> List(const api::ListRequest&) override { return Unimplemented(); }
  Result<api::ObjectResponse> Update(const api::UpdateRequest&) override { return Unimplemented(); }
  Result<api::ObjectResponse> Delete(const api::DeleteRequest&) override { return Unimplemented(); }
  Result<std::unique_ptr<api::WatchStream>> Watch(const api::WatchRequest&) override {
    return Unimplemented();
  }
  Result<api::VersionResponse> Version() override { return Unimplemented(); }
  Result<api::CreateTokenResponse> CreateToken(const api::CreateTokenRequest& r) override {
    requests.push_back(r);
    if (!fail.ok()) return fail;
    api::CreateTokenResponse resp;
    resp.set_token("tok-" + std::to_string(requests.size()));
    resp.set_expiration_unix(
        std::chrono::duration_cast<std::chrono::seconds>(now_->time_since_epoch()).count() +
        r.expiration_seconds());
    return resp;
  }

  std::vector<api::CreateTokenRequest> requests;
  Status fail = Status::Ok();

 private:
  static Status Unimplemented() { return Status(StatusCode::kUnimplemented, "not in this fake"); }
  const TimePoint* now_;
};

class TokensTest : public ::testing::Test {
 protected:
  TokensTest() : api_(&now_), tokens_(api_, [this] { return now_; }) {
    pod_.mutable_metadata()->set_name("web");
    pod_.mutable_metadata()->set_namespace_("shop");
    pod_.mutable_metadata()->set_uid("uid-1");
  }
  TimePoint now_ = TimePoint(std::chrono::seconds(1'800'000'000));
  FakeTokenApi api_;
  ServiceAccountTokens tokens_;
  api::Pod pod_;
};

TEST_F(TokensTest, RequestsTokenOfPodsServiceAccount) {
  auto t = tokens_.Token(pod_, "", 3607);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t, "tok-1");
  ASSERT_EQ(api_.requests.size(), 1u);
  EXPECT_EQ(api_.requests[0].namespace_(), "shop");
  EXPECT_EQ(api_.requests[0].service_account(), "default");
  EXPECT_EQ(api_.requests[0].expiration_seconds(), 3607);
  EXPECT_TRUE(api_.requests[0].node().empty());

  pod_.mutable_spec()->set_service_account_name("builder");
  ASSERT_TRUE(tokens_.Token(pod_, "", 3607).ok());
  EXPECT_EQ(api_.requests.back().service_account(), "builder");
}

TEST_F(TokensTest, ReusesTokenUntilEightyPercentOfLifetime) {
  ASSERT_EQ(*tokens_.Token(pod_, "", 1000), "tok-1");
  now_ += 799s;
  EXPECT_EQ(*tokens_.Token(pod_, "", 1000), "tok-1");
  EXPECT_EQ(api_.requests.size(), 1u);
  now_ += 1s;  // 80% of 1000 s
  EXPECT_EQ(*tokens_.Token(pod_, "", 1000), "tok-2");
  EXPECT_EQ(api_.requests.size(), 2u);
  // Another audience or lifetime, or another pod, is another token.
  EXPECT_EQ(*tokens_.Token(pod_, "vault", 1000), "tok-3");
  EXPECT_EQ(*tokens_.Token(pod_, "", 2000), "tok-4");
  pod_.mutable_metadata()->set_uid("uid-2");
  EXPECT_EQ(*tokens_.Token(pod_, "", 1000), "tok-5");
}

TEST_F(TokensTest, RefreshesLongLivedTokensAfterADay) {
  ASSERT_EQ(*tokens_.Token(pod_, "", 7 * 24 * 3600), "tok-1");
  now_ += 24h - 1s;
  EXPECT_EQ(*tokens_.Token(pod_, "", 7 * 24 * 3600), "tok-1");
  now_ += 1s;
  EXPECT_EQ(*tokens_.Token(pod_, "", 7 * 24 * 3600), "tok-2");
}

TEST_F(TokensTest, KeepsValidTokenWhileRefreshFailsThenBacksOff) {
  ASSERT_EQ(*tokens_.Token(pod_, "", 1000), "tok-1");
  now_ += 900s;
  api_.fail = Status(StatusCode::kUnavailable, "api down");
  EXPECT_EQ(*tokens_.Token(pod_, "", 1000), "tok-1");  // still valid for 100 s
  size_t asked = api_.requests.size();
  EXPECT_EQ(*tokens_.Token(pod_, "", 1000), "tok-1");  // backing off: no new request
  EXPECT_EQ(api_.requests.size(), asked);
  now_ += 101s;  // expired, back-off over
  auto t = tokens_.Token(pod_, "", 1000);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(t.status().message(), "api down");
  api_.fail = Status::Ok();
  now_ += 1s;  // within the doubled back-off (2 s): the error again, no request
  asked = api_.requests.size();
  EXPECT_FALSE(tokens_.Token(pod_, "", 1000).ok());
  EXPECT_EQ(api_.requests.size(), asked);
  now_ += 2s;
  auto again = tokens_.Token(pod_, "", 1000);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(api_.requests.size(), asked + 1);
}

TEST_F(TokensTest, FirstFailureIsReturnedAndRetriedAfterBackoff) {
  api_.fail = Status(StatusCode::kNotFound, "serviceaccounts \"default\" not found");
  auto t = tokens_.Token(pod_, "", 3607);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
  api_.fail = Status::Ok();
  EXPECT_FALSE(tokens_.Token(pod_, "", 3607).ok());  // within 1 s
  now_ += 1s;
  EXPECT_TRUE(tokens_.Token(pod_, "", 3607).ok());
}

TEST_F(TokensTest, DropsEntriesOfPodsNoLongerAsking) {
  ASSERT_TRUE(tokens_.Token(pod_, "", 3607).ok());
  pod_.mutable_metadata()->set_uid("uid-2");
  now_ += 11min;
  ASSERT_TRUE(tokens_.Token(pod_, "", 3607).ok());
  EXPECT_EQ(tokens_.size(), 2u);  // uid-1's token is still valid
  now_ += 50min;
  ASSERT_TRUE(tokens_.Token(pod_, "", 3607).ok());
  EXPECT_EQ(tokens_.size(), 1u);
}

}  // namespace
}  // namespace skiff::node
