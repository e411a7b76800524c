// Kubernetes resource quantities ("250m", "1.5Gi", "1e3", "100M"), parsed exactly.
//
// A Quantity holds a signed count of nano-units (1e-9) in a 128-bit integer: enough for
// every value Kubernetes accepts (it caps magnitudes at 2^63-1 units and keeps nano
// precision). Parsing never goes through floating point. As in Kubernetes:
//   - fractions finer than 1n are rounded up (away from zero): "0.1n" -> 1n;
//   - magnitudes above 2^63-1 units are capped to 2^63-1;
//   - the notation of the input (decimal SI, binary SI, decimal exponent) is remembered and
//     used by ToString(), which prints the canonical form ("1536Mi", "1500m", "2", "1k").
// Quantity is a small value type; all operations are thread-compatible.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skiff::api {

class Quantity {
 public:
  // The notation a quantity is printed in.
  enum class Format {
    kDecimalSI,        // n u m "" k M G T P E
    kBinarySI,         // Ki Mi Gi Ti Pi Ei
    kDecimalExponent,  // 1e3, 1.5E-2
  };

  using Nanos = __int128;
  static constexpr int64_t kNanosPerUnit = 1'000'000'000;

  // Zero, decimal SI.
  Quantity() = default;

  // Parses the Kubernetes string form. Errors (INVALID_ARGUMENT) quote the input, e.g.
  // `invalid quantity "12Q": unable to parse quantity's suffix "Q"`.
  static Result<Quantity> Parse(std::string_view text);

  static Quantity FromNanos(Nanos nanos, Format format = Format::kDecimalSI);
  static Quantity FromUnits(int64_t units, Format format = Format::kDecimalSI);
  static Quantity FromMilli(int64_t milli, Format format = Format::kDecimalSI);

  // The exact value in nano-units.
  Nanos nanos() const { return nanos_; }
  Format format() const { return format_; }

  // Whole units, rounded up away from zero (Kubernetes Value()): "1500m" -> 2, "-1500m" -> -2.
  int64_t Value() const;
  // Milli-units, rounded up away from zero (Kubernetes MilliValue()): "1n" -> 1. Saturates at
  // the int64 range.
  int64_t MilliValue() const;
  // The value scaled by 10^scale units, rounded up away from zero; e.g. ScaledValue(-9) is
  // nanos, ScaledValue(6) is mega-units. Saturates at the int64 range.
  int64_t ScaledValue(int scale) const;
  // Approximation for display and ratios only; never use it for comparisons.
  double ApproximateDouble() const;

  bool IsZero() const { return nanos_ == 0; }
  int Sign() const { return nanos_ > 0 ? 1 : (nanos_ < 0 ? -1 : 0); }

  // Sums and differences are exact; they saturate at the 128-bit range, which is far above
  // any parseable value (about 1.8e10 maximal quantities). The result keeps this
  // quantity's format, or the other's when this one is zero (as Kubernetes does).
  Quantity Add(const Quantity& other) const;
  Quantity Sub(const Quantity& other) const;
  Quantity Neg() const { return FromNanos(-nanos_, format_); }

  // Canonical Kubernetes string form.
  std::string ToString() const;

  // Compares values only; the format does not take part.
  friend std::strong_ordering operator<=>(const Quantity& a, const Quantity& b) {
    return a.nanos_ <=> b.nanos_;
  }
  friend bool operator==(const Quantity& a, const Quantity& b) { return a.nanos_ == b.nanos_; }

 private:
  Quantity(Nanos nanos, Format format) : nanos_(nanos), format_(format) {}

  Nanos nanos_ = 0;
  Format format_ = Format::kDecimalSI;
};

// Parses `text` and returns its canonical form, or the parse error.
Result<std::string> CanonicalQuantity(std::string_view text);

}  // namespace skiff::api
