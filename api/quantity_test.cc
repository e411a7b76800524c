#include "api/quantity.h"

#include <gtest/gtest.h>

namespace skiff::api {
namespace {

Quantity MustParse(std::string_view s) {
  Result<Quantity> q = Quantity::Parse(s);
  EXPECT_TRUE(q.ok()) << s << ": " << q.status().ToString();
  return q.ok() ? *q : Quantity();
}

struct CanonicalCase {
  const char* in;
  const char* out;
};

class CanonicalTest : public testing::TestWithParam<CanonicalCase> {};

TEST_P(CanonicalTest, PrintsKubernetesCanonicalForm) {
  EXPECT_EQ(MustParse(GetParam().in).ToString(), GetParam().out) << GetParam().in;
}

INSTANTIATE_TEST_SUITE_P(
    Table, CanonicalTest,
    testing::Values(
        // Zero in every notation.
        CanonicalCase{"0", "0"}, CanonicalCase{"0Ki", "0"}, CanonicalCase{"-0", "0"},
        CanonicalCase{"0.000", "0"}, CanonicalCase{"0e3", "0"},
        // Decimal SI.
        CanonicalCase{"1", "1"}, CanonicalCase{"+1", "1"}, CanonicalCase{"1000", "1k"},
        CanonicalCase{"1500", "1500"}, CanonicalCase{"1500000", "1500k"},
        CanonicalCase{"1.5", "1500m"}, CanonicalCase{"0.5", "500m"}, CanonicalCase{".5", "500m"},
        CanonicalCase{"5.", "5"}, CanonicalCase{"0.1", "100m"}, CanonicalCase{"250m", "250m"},
        CanonicalCase{"1000m", "1"}, CanonicalCase{"2000m", "2"}, CanonicalCase{"1500m", "1500m"},
        CanonicalCase{"100M", "100M"}, CanonicalCase{"1G", "1G"}, CanonicalCase{"1T", "1T"},
        CanonicalCase{"1P", "1P"}, CanonicalCase{"1E", "1E"}, CanonicalCase{"1n", "1n"},
        CanonicalCase{"1u", "1u"}, CanonicalCase{"1000n", "1u"}, CanonicalCase{"10k", "10k"},
        CanonicalCase{"0.001k", "1"}, CanonicalCase{"007", "7"},
        CanonicalCase{"1.000000001", "1000000001n"},
        // Below nano precision: rounded up, away from zero.
        CanonicalCase{"0.0000000001", "1n"}, CanonicalCase{"1.0000000001", "1000000001n"},
        CanonicalCase{"-0.0000000001", "-1n"}, CanonicalCase{"0.1n", "1n"},
        // Binary SI.
        CanonicalCase{"1Ki", "1Ki"}, CanonicalCase{"1Mi", "1Mi"}, CanonicalCase{"1Gi", "1Gi"},
        CanonicalCase{"1Ti", "1Ti"}, CanonicalCase{"1Pi", "1Pi"}, CanonicalCase{"1Ei", "1Ei"},
        CanonicalCase{"1.5Gi", "1536Mi"}, CanonicalCase{"1024Mi", "1Gi"},
        CanonicalCase{"2048Ki", "2Mi"}, CanonicalCase{"0.5Gi", "512Mi"},
        CanonicalCase{"1536Ki", "1536Ki"},
        // Binary values below 1024 or fractional print as decimal.
        CanonicalCase{"0.5Ki", "512"}, CanonicalCase{"1.5Ki", "1536"},
        CanonicalCase{"0.5Mi", "512Ki"}, CanonicalCase{"1.1Mi", "1153433600m"},
        CanonicalCase{"1024", "1024"},
        // Decimal exponent.
        CanonicalCase{"1e3", "1e3"}, CanonicalCase{"1E3", "1e3"}, CanonicalCase{"1e+3", "1e3"},
        CanonicalCase{"1.5e3", "1500"}, CanonicalCase{"1e-3", "1e-3"},
        CanonicalCase{"1.5E-2", "15e-3"}, CanonicalCase{"100e6", "100e6"},
        CanonicalCase{"12e6", "12e6"}, CanonicalCase{"1e0", "1"}, CanonicalCase{"1e1", "10"},
        // Negative values.
        CanonicalCase{"-1", "-1"}, CanonicalCase{"-250m", "-250m"},
        CanonicalCase{"-1.5Gi", "-1536Mi"}, CanonicalCase{"-1e3", "-1e3"},
        // Capped at 2^63-1 units like Kubernetes.
        CanonicalCase{"9223372036854775807", "9223372036854775807"},
        CanonicalCase{"10E", "9223372036854775807"}, CanonicalCase{"1e100", "9223372036854775807"},
        CanonicalCase{"-1e100", "-9223372036854775807"}, CanonicalCase{"1e-100", "1e-9"},
        CanonicalCase{"0.0000000000001m", "1n"}));

struct ErrorCase {
  const char* in;
  const char* message;
};

class ParseErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ParseErrorTest, RejectsWithClearMessage) {
  Result<Quantity> q = Quantity::Parse(GetParam().in);
  ASSERT_FALSE(q.ok()) << GetParam().in;
  EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(q.status().message(), GetParam().message);
}

constexpr char kRegex[] =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

INSTANTIATE_TEST_SUITE_P(
    Table, ParseErrorTest,
    testing::Values(
        ErrorCase{"", "invalid quantity \"\": quantity is empty"},
        ErrorCase{"abc",
                  "invalid quantity \"abc\": quantities must match the regular expression "
                  "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
        ErrorCase{"1.5K", "invalid quantity \"1.5K\": unable to parse quantity's suffix \"K\""},
        ErrorCase{"5i", "invalid quantity \"5i\": unable to parse quantity's suffix \"i\""},
        ErrorCase{"1e", "invalid quantity \"1e\": unable to parse quantity's suffix \"e\""},
        ErrorCase{"1Mii", "invalid quantity \"1Mii\": unable to parse quantity's suffix \"Mii\""},
        ErrorCase{"1mm", "invalid quantity \"1mm\": unable to parse quantity's suffix \"mm\""}));

TEST(QuantityParseTest, RejectsGarbageShapes) {
  for (const char* bad : {"1KB", " 1", "1 ", "1.2.3", ".", "-", "+", "m", "Ki", "1e3.5", "--1",
                          "1,5", "0x10", "1_000", "1e3e3", "Infinity", "NaN", "1Gi!"}) {
    Result<Quantity> q = Quantity::Parse(bad);
    EXPECT_FALSE(q.ok()) << "accepted \"" << bad << "\"";
    if (!q.ok()) {
      EXPECT_NE(q.status().message().find(bad), std::string::npos) << bad;
    }
  }
  // NUL bytes are never suffix letters (a strchr pitfall found by fuzzing).
  EXPECT_FALSE(Quantity::Parse(std::string("1\0", 2)).ok());
  EXPECT_FALSE(Quantity::Parse(std::string("1\0i", 3)).ok());
  EXPECT_EQ(Quantity::Parse("1KB").status().message(),
            std::string("invalid quantity \"1KB\": ") + kRegex);
}

TEST(QuantityValueTest, ExactNanos) {
  EXPECT_EQ(MustParse("1").nanos(), Quantity::Nanos(1'000'000'000));
  EXPECT_EQ(MustParse("250m").nanos(), Quantity::Nanos(250'000'000));
  EXPECT_EQ(MustParse("1.5Gi").nanos(), Quantity::Nanos(1610612736) * 1'000'000'000);
  EXPECT_EQ(MustParse("1Ei").nanos(), (Quantity::Nanos(1) << 60) * 1'000'000'000);
  EXPECT_EQ(MustParse("1.5E-2").nanos(), Quantity::Nanos(15'000'000));
  EXPECT_EQ(MustParse("-3n").nanos(), Quantity::Nanos(-3));
}

TEST(QuantityValueTest, ValueRoundsUpAwayFromZero) {
  EXPECT_EQ(MustParse("1500m").Value(), 2);
  EXPECT_EQ(MustParse("1000m").Value(), 1);
  EXPECT_EQ(MustParse("1n").Value(), 1);
  EXPECT_EQ(MustParse("-1500m").Value(), -2);
  EXPECT_EQ(MustParse("1Ki").Value(), 1024);
  EXPECT_EQ(MustParse("1.5Gi").Value(), 1610612736);
  EXPECT_EQ(MustParse("0").Value(), 0);
  EXPECT_EQ(MustParse("10E").Value(), INT64_MAX);
}

TEST(QuantityValueTest, MilliValueRoundsUp) {
  EXPECT_EQ(MustParse("1").MilliValue(), 1000);
  EXPECT_EQ(MustParse("250m").MilliValue(), 250);
  EXPECT_EQ(MustParse("0.1").MilliValue(), 100);
  EXPECT_EQ(MustParse("1n").MilliValue(), 1);
  EXPECT_EQ(MustParse("1001u").MilliValue(), 2);
  EXPECT_EQ(MustParse("-1n").MilliValue(), -1);
  EXPECT_EQ(MustParse("1.5Gi").MilliValue(), 1610612736000);
  // Saturates instead of overflowing.
  EXPECT_EQ(MustParse("9E").MilliValue(), INT64_MAX);
  EXPECT_EQ(MustParse("-9E").MilliValue(), INT64_MIN);
}

TEST(QuantityValueTest, ScaledValue) {
  EXPECT_EQ(MustParse("1.5Gi").ScaledValue(6), 1611);  // mega-units, rounded up
  EXPECT_EQ(MustParse("1").ScaledValue(-9), 1'000'000'000);
  EXPECT_EQ(MustParse("3k").ScaledValue(3), 3);
}

TEST(QuantityCompareTest, ComparesValuesNotNotation) {
  EXPECT_GT(MustParse("1Gi"), MustParse("1G"));
  EXPECT_EQ(MustParse("1000m"), MustParse("1"));
  EXPECT_EQ(MustParse("1Mi"), MustParse("1048576"));
  EXPECT_EQ(MustParse("1e3"), MustParse("1k"));
  EXPECT_LT(MustParse("-1"), MustParse("0"));
  EXPECT_LT(MustParse("999m"), MustParse("1"));
  EXPECT_GT(MustParse("1n"), MustParse("0"));
}

TEST(QuantityArithmeticTest, AddAndSubAreExact) {
  EXPECT_EQ(MustParse("1").Add(MustParse("500m")).ToString(), "1500m");
  EXPECT_EQ(MustParse("1Gi").Add(MustParse("512Mi")).ToString(), "1536Mi");
  EXPECT_EQ(MustParse("0").Add(MustParse("1Ki")).ToString(), "1Ki");  // takes the other format
  EXPECT_EQ(MustParse("100m").Add(MustParse("900m")).ToString(), "1");
  EXPECT_EQ(MustParse("1").Sub(MustParse("1500m")).ToString(), "-500m");
  EXPECT_EQ(MustParse("2Gi").Sub(MustParse("1Gi")).ToString(), "1Gi");
  // 0.1 + 0.2 is exactly 0.3 here.
  EXPECT_EQ(MustParse("0.1").Add(MustParse("0.2")), MustParse("0.3"));
  Quantity big = MustParse("9E");
  Quantity sum;
  for (int i = 0; i < 4; ++i)
    sum = sum.Add(big);
  EXPECT_EQ(sum.ToString(), "36E");
  EXPECT_EQ(MustParse("5").Neg().ToString(), "-5");
}

TEST(QuantityConstructTest, FromUnitsAndMilli) {
  EXPECT_EQ(Quantity::FromUnits(2).ToString(), "2");
  EXPECT_EQ(Quantity::FromMilli(1500).ToString(), "1500m");
  EXPECT_EQ(Quantity::FromUnits(1536 * 1024 * 1024LL, Quantity::Format::kBinarySI).ToString(),
            "1536Mi");
  EXPECT_EQ(Quantity::FromNanos(5).ToString(), "5n");
  EXPECT_EQ(Quantity().ToString(), "0");
}

TEST(QuantityConstructTest, CanonicalQuantity) {
  EXPECT_EQ(*CanonicalQuantity("1.5Gi"), "1536Mi");
  EXPECT_FALSE(CanonicalQuantity("x").ok());
}

TEST(QuantityParseTest, RoundTripsItsOwnOutput) {
  for (const char* s : {"1536Mi", "1500m", "2", "1k", "15e-3", "-7n", "1153433600m", "1Ei",
                        "9223372036854775807", "123456789123456789n"}) {
    Quantity q = MustParse(s);
    Quantity again = MustParse(q.ToString());
    EXPECT_EQ(q, again) << s;
    EXPECT_EQ(again.ToString(), q.ToString()) << s;
  }
}

}  // namespace
}  // namespace skiff::api
