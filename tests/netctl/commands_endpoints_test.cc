// netctl with Endpoints as users write them: a Service without a selector pointing at an
// address outside the cluster through a hand-written Endpoints, then `get endpoints`.
#include "api/client/typed.h"
#include "skiff/api/core.pb.h"
#include "tests/netctl/netctl_fixture.h"

namespace skiff::netctl::testing {
namespace {

using EndpointsTest = NetctlTest;

TEST_F(EndpointsTest, SelectorlessServiceWithHandWrittenEndpoints) {
  std::string file = WriteFile("external-db.yaml", R"(apiVersion: v1
kind: Service
metadata:
  name: external-db
spec:
  ports:
    - protocol: TCP
      port: 5432
      targetPort: 5432
---
apiVersion: v1
kind: Endpoints
metadata:
  name: external-db
subsets:
  - addresses:
      - ip: 192.0.2.42
      - ip: 192.0.2.43
    ports:
      - port: 5432
)");
  auto r = Netctl({"apply", "-f", file});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "service/external-db created\nendpoints/external-db created\n");

  r = Netctl({"get", "endpoints", "external-db", "--no-headers"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find("   ", r.out.find("192"))),
            "external-db   192.0.2.42:5432,192.0.2.43:5432");
  r = Netctl({"get", "ep"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')).find("NAME"), 0u) << r.out;
  EXPECT_NE(r.out.find("ENDPOINTS"), std::string::npos) << r.out;

  // (Mirroring into EndpointSlices is tests/controllers/endpoints_test.cc: this server runs
  // no controllers.)

  // Bad input: the field is named and nothing is stored.
  std::string bad = WriteFile("bad.yaml", R"(apiVersion: v1
kind: Endpoints
metadata:
  name: broken
subsets:
  - addresses:
      - ip: not-an-ip
)");
  r = Netctl({"apply", "-f", bad});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("subsets[0].addresses[0].ip"), std::string::npos) << r.err;
  EXPECT_EQ(api::GetObject<api::Endpoints>(*client_, "default", "broken").status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace skiff::netctl::testing
