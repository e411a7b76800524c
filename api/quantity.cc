#include "api/quantity.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

namespace skiff::api {
namespace {

using Nanos = Quantity::Nanos;
using UNanos = unsigned __int128;

constexpr std::string_view kFormatRegex =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

// Kubernetes caps magnitudes at the largest int64 number of units.
constexpr UNanos kMaxNanos =
    static_cast<UNanos>(std::numeric_limits<int64_t>::max()) * Quantity::kNanosPerUnit;
constexpr Nanos kNanosMax = static_cast<Nanos>(~static_cast<UNanos>(0) >> 1);
constexpr Nanos kNanosMin = -kNanosMax - 1;

// Just enough arbitrary precision to scale a parsed mantissa exactly before capping it.
// Little-endian base-2^32 limbs.
class BigUint {
 public:
  explicit BigUint(std::string_view digits) {
    for (char c : digits) {
      MulSmall(10);
      AddSmall(static_cast<uint32_t>(c - '0'));
    }
  }
  void MulSmall(uint32_t m) {
    uint64_t carry = 0;
    for (uint32_t& limb : limbs_) {
      uint64_t v = static_cast<uint64_t>(limb) * m + carry;
      limb = static_cast<uint32_t>(v);
      carry = v >> 32;
    }
    if (carry) limbs_.push_back(static_cast<uint32_t>(carry));
  }
  void AddSmall(uint32_t a) {
    uint64_t carry = a;
    for (size_t i = 0; carry && i < limbs_.size(); ++i) {
      uint64_t v = static_cast<uint64_t>(limbs_[i]) + carry;
      limbs_[i] = static_cast<uint32_t>(v);
      carry = v >> 32;
    }
    if (carry) limbs_.push_back(static_cast<uint32_t>(carry));
  }
  // Divides in place; returns the remainder.
  uint32_t DivSmall(uint32_t d) {
    uint64_t rem = 0;
    for (size_t i = limbs_.size(); i-- > 0;) {
      uint64_t cur = (rem << 32) | limbs_[i];
      limbs_[i] = static_cast<uint32_t>(cur / d);
      rem = cur % d;
    }
    while (!limbs_.empty() && limbs_.back() == 0)
      limbs_.pop_back();
    return static_cast<uint32_t>(rem);
  }
  bool FitsU128() const { return limbs_.size() <= 4; }
  UNanos ToU128() const {
    UNanos v = 0;
    for (size_t i = limbs_.size(); i-- > 0;)
      v = (v << 32) | limbs_[i];
    return v;
  }

 private:
  std::vector<uint32_t> limbs_;
};

bool IsSuffixLetter(char c) {
  return c != '\0' && std::strchr("eEinumkKMGTP", c) != nullptr;  // not the terminator
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

std::string U128ToString(UNanos v) {
  if (v == 0) return "0";
  std::string out;
  while (v) {
    out.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

UNanos Magnitude(Nanos v) {
  return v < 0 ? static_cast<UNanos>(-(v + 1)) + 1 : static_cast<UNanos>(v);
}

struct Suffix {
  int base = 10;  // 10 or 2
  int exponent = 0;
  Quantity::Format format = Quantity::Format::kDecimalSI;
};

bool InterpretSuffix(std::string_view s, Suffix* out) {
  struct Entry {
    std::string_view name;
    int base;
    int exponent;
  };
  static constexpr Entry kTable[] = {
      {"", 10, 0},   {"n", 10, -9}, {"u", 10, -6}, {"m", 10, -3}, {"k", 10, 3},  {"M", 10, 6},
      {"G", 10, 9},  {"T", 10, 12}, {"P", 10, 15}, {"E", 10, 18}, {"Ki", 2, 10}, {"Mi", 2, 20},
      {"Gi", 2, 30}, {"Ti", 2, 40}, {"Pi", 2, 50}, {"Ei", 2, 60},
  };
  for (const Entry& e : kTable) {
    if (e.name == s) {
      out->base = e.base;
      out->exponent = e.exponent;
      out->format = e.base == 2 ? Quantity::Format::kBinarySI : Quantity::Format::kDecimalSI;
      return true;
    }
  }
  if (s.size() < 2 || (s[0] != 'e' && s[0] != 'E')) return false;
  size_t i = 1;
  bool negative = false;
  if (s[i] == '+' || s[i] == '-') negative = s[i++] == '-';
  if (i >= s.size()) return false;
  int64_t exp = 0;
  for (; i < s.size(); ++i) {
    if (!IsDigit(s[i])) return false;
    // Saturate: anything this large is capped or rounded to 1n anyway.
    exp = std::min<int64_t>(exp * 10 + (s[i] - '0'), 100000);
  }
  out->base = 10;
  out->exponent = static_cast<int>(negative ? -exp : exp);
  out->format = Quantity::Format::kDecimalExponent;
  return true;
}

// ceil(|digits| * 10^scale10 * 2^exp2) in nanos, capped at kMaxNanos. `digits` has no
// leading or trailing zeros and is not empty.
UNanos ScaleToNanos(std::string_view digits, int scale10, int exp2) {
  const int d = static_cast<int>(digits.size());
  // value >= 10^(d-1+scale10) nanos; 1e28 nanos is above the cap.
  if (d - 1 + scale10 >= 28) return kMaxNanos;
  // value < 10^(d+scale10) * 2^exp2 <= 10^(d+scale10+19): below one nano, rounds up to 1.
  if (d + scale10 + 19 <= 0) return 1;
  BigUint n(digits);
  for (int i = 0; i < exp2; ++i)
    n.MulSmall(2);
  bool inexact = false;
  if (scale10 >= 0) {
    for (int i = 0; i < scale10; ++i)
      n.MulSmall(10);
  } else {
    int k = -scale10;
    for (; k >= 9; k -= 9)
      inexact |= n.DivSmall(1'000'000'000) != 0;
    uint32_t divisor = 1;
    for (; k > 0; --k)
      divisor *= 10;
    if (divisor > 1) inexact |= n.DivSmall(divisor) != 0;
  }
  if (!n.FitsU128()) return kMaxNanos;
  UNanos v = n.ToU128();
  if (inexact) ++v;
  return std::min(v, kMaxNanos);
}

Nanos SaturatingAdd(Nanos a, Nanos b) {
  Nanos r;
  if (__builtin_add_overflow(a, b, &r)) return a > 0 ? kNanosMax : kNanosMin;
  return r;
}

int64_t SaturateToInt64(Nanos v) {
  if (v > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (v < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

}  // namespace

Result<Quantity> Quantity::Parse(std::string_view text) {
  auto format_error = [&] {
    return InvalidArgument("invalid quantity \"" + std::string(text) +
                           "\": " + std::string(kFormatRegex));
  };
  if (text.empty()) return InvalidArgument("invalid quantity \"\": quantity is empty");
  size_t pos = 0;
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') negative = text[pos++] == '-';
  size_t int_start = pos;
  while (pos < text.size() && IsDigit(text[pos]))
    ++pos;
  std::string_view int_digits = text.substr(int_start, pos - int_start);
  std::string_view frac_digits;
  if (pos < text.size() && text[pos] == '.') {
    size_t frac_start = ++pos;
    while (pos < text.size() && IsDigit(text[pos]))
      ++pos;
    frac_digits = text.substr(frac_start, pos - frac_start);
  }
  if (int_digits.empty() && frac_digits.empty()) return format_error();

  // Suffix: letters from the set, an optional sign, then digits up to the end.
  size_t suffix_start = pos;
  while (pos < text.size() && IsSuffixLetter(text[pos]))
    ++pos;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
  while (pos < text.size() && IsDigit(text[pos]))
    ++pos;
  if (pos != text.size()) return format_error();
  std::string_view suffix_text = text.substr(suffix_start);
  Suffix suffix;
  if (!InterpretSuffix(suffix_text, &suffix)) {
    return InvalidArgument("invalid quantity \"" + std::string(text) +
                           "\": unable to parse quantity's suffix \"" + std::string(suffix_text) +
                           "\"");
  }

  std::string digits;
  digits.reserve(int_digits.size() + frac_digits.size());
  digits.append(int_digits);
  digits.append(frac_digits);
  int scale10 = 9 - static_cast<int>(frac_digits.size());
  int exp2 = 0;
  if (suffix.base == 10) {
    scale10 += suffix.exponent;
  } else {
    exp2 = suffix.exponent;
  }
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return Quantity(0, suffix.format);
  digits.erase(0, first);
  while (digits.back() == '0') {
    digits.pop_back();
    ++scale10;
  }
  UNanos magnitude = ScaleToNanos(digits, scale10, exp2);
  Format format = suffix.format;
  // A binary quantity below one unit has no exact binary spelling.
  if (format == Format::kBinarySI && magnitude < static_cast<UNanos>(kNanosPerUnit)) {
    format = Format::kDecimalSI;
  }
  Nanos value = static_cast<Nanos>(magnitude);
  return Quantity(negative ? -value : value, format);
}

Quantity Quantity::FromNanos(Nanos nanos, Format format) {
  return Quantity(nanos, format);
}

Quantity Quantity::FromUnits(int64_t units, Format format) {
  return Quantity(static_cast<Nanos>(units) * kNanosPerUnit, format);
}

Quantity Quantity::FromMilli(int64_t milli, Format format) {
  return Quantity(static_cast<Nanos>(milli) * 1'000'000, format);
}

int64_t Quantity::ScaledValue(int scale) const {
  // Divide nanos by 10^(scale + 9), rounding away from zero.
  int shift = scale + 9;
  if (shift <= 0) {
    Nanos v = nanos_;
    for (int i = 0; i < -shift; ++i) {
      if (v > std::numeric_limits<int64_t>::max() || v < std::numeric_limits<int64_t>::min()) {
        break;
      }
      v *= 10;
    }
    return SaturateToInt64(v);
  }
  if (shift > 38) return nanos_ == 0 ? 0 : (nanos_ > 0 ? 1 : -1);
  Nanos divisor = 1;
  for (int i = 0; i < shift; ++i)
    divisor *= 10;
  Nanos q = nanos_ / divisor;
  Nanos r = nanos_ % divisor;
  if (r > 0) ++q;
  if (r < 0) --q;
  return SaturateToInt64(q);
}

int64_t Quantity::Value() const {
  return ScaledValue(0);
}
int64_t Quantity::MilliValue() const {
  return ScaledValue(-3);
}

double Quantity::ApproximateDouble() const {
  return static_cast<double>(nanos_) / static_cast<double>(kNanosPerUnit);
}

Quantity Quantity::Add(const Quantity& other) const {
  return Quantity(SaturatingAdd(nanos_, other.nanos_), IsZero() ? other.format_ : format_);
}

Quantity Quantity::Sub(const Quantity& other) const {
  Nanos neg = other.nanos_ == kNanosMin ? kNanosMax : -other.nanos_;
  return Quantity(SaturatingAdd(nanos_, neg), IsZero() ? other.format_ : format_);
}

std::string Quantity::ToString() const {
  if (nanos_ == 0) return "0";
  const std::string sign = nanos_ < 0 ? "-" : "";
  UNanos magnitude = Magnitude(nanos_);
  Format format = format_;
  if (format == Format::kBinarySI) {
    // Small or fractional binary values print as decimal SI (Kubernetes does the same).
    if (magnitude < static_cast<UNanos>(1024) * kNanosPerUnit || magnitude % kNanosPerUnit != 0) {
      format = Format::kDecimalSI;
    }
  }
  if (format == Format::kBinarySI) {
    static constexpr std::string_view kBinary[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    UNanos units = magnitude / kNanosPerUnit;
    size_t exp = 0;
    while (exp + 1 < std::size(kBinary) && units % 1024 == 0) {
      units /= 1024;
      ++exp;
    }
    return sign + U128ToString(units) + std::string(kBinary[exp]);
  }
  // Decimal: mantissa * 10^exponent with the exponent a multiple of 3 and as large as
  // possible while the mantissa stays an integer.
  UNanos mantissa = magnitude;
  int exponent = -9;
  while (mantissa % 10 == 0) {
    mantissa /= 10;
    ++exponent;
  }
  while (exponent % 3 != 0) {
    mantissa *= 10;
    --exponent;
  }
  std::string suffix;
  if (format == Format::kDecimalExponent) {
    if (exponent != 0) suffix = "e" + std::to_string(exponent);
  } else {
    static constexpr std::string_view kDecimal[] = {"n", "u", "m", "",  "k",
                                                    "M", "G", "T", "P", "E"};
    int index = (exponent + 9) / 3;
    // The cap keeps exponents within the table; guard anyway.
    while (index >= static_cast<int>(std::size(kDecimal))) {
      mantissa *= 1000;
      --index;
    }
    suffix = std::string(kDecimal[index]);
  }
  return sign + U128ToString(mantissa) + suffix;
}

Result<std::string> CanonicalQuantity(std::string_view text) {
  Result<Quantity> q = Quantity::Parse(text);
  if (!q.ok()) return q.status();
  return q->ToString();
}

}  // namespace skiff::api
