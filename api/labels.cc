#include "api/labels.h"

#include <google/protobuf/map.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "api/names.h"
#include "skiff/api/meta.pb.h"

namespace skiff::api {
namespace {

enum class Token {
  kIdentifier,
  kBang,          // !
  kEquals,        // =
  kDoubleEquals,  // ==
  kNotEquals,     // !=
  kIn,            // in
  kNotIn,         // notin
  kGreaterThan,   // >
  kLessThan,      // <
  kOpen,          // (
  kClose,         // )
  kComma,         // ,
  kEnd,
};

bool IsSpecial(char c) {
  return c == '!' || c == '=' || c == '>' || c == '<' || c == '(' || c == ')' || c == ',';
}
bool IsSpace(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

struct Lexed {
  Token token;
  std::string text;
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}
  Lexed Next() {
    while (pos_ < s_.size() && IsSpace(s_[pos_]))
      ++pos_;
    if (pos_ >= s_.size()) return {Token::kEnd, ""};
    char c = s_[pos_];
    if (IsSpecial(c)) {
      char n = pos_ + 1 < s_.size() ? s_[pos_ + 1] : '\0';
      if (c == '!' && n == '=') return Take(2, Token::kNotEquals);
      if (c == '=' && n == '=') return Take(2, Token::kDoubleEquals);
      switch (c) {
        case '!':
          return Take(1, Token::kBang);
        case '=':
          return Take(1, Token::kEquals);
        case '>':
          return Take(1, Token::kGreaterThan);
        case '<':
          return Take(1, Token::kLessThan);
        case '(':
          return Take(1, Token::kOpen);
        case ')':
          return Take(1, Token::kClose);
        default:
          return Take(1, Token::kComma);
      }
    }
    size_t start = pos_;
    while (pos_ < s_.size() && !IsSpace(s_[pos_]) && !IsSpecial(s_[pos_]))
      ++pos_;
    std::string word(s_.substr(start, pos_ - start));
    if (word == "in") return {Token::kIn, word};
    if (word == "notin") return {Token::kNotIn, word};
    return {Token::kIdentifier, word};
  }

 private:
  Lexed Take(size_t n, Token t) {
    Lexed l{t, std::string(s_.substr(pos_, n))};
    pos_ += n;
    return l;
  }
  std::string_view s_;
  size_t pos_ = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {
    Lexer lexer(text);
    for (;;) {
      tokens_.push_back(lexer.Next());
      if (tokens_.back().token == Token::kEnd) break;
    }
  }

  Status Parse(std::vector<Requirement>* out) {
    if (Peek().token == Token::kEnd) return Status::Ok();
    for (;;) {
      const Lexed& t = Peek();
      if (t.token != Token::kIdentifier && t.token != Token::kBang) {
        return Unexpected(t, "\"!\" or a label key");
      }
      Requirement r;
      SKIFF_RETURN_IF_ERROR(ParseRequirement(&r));
      out->push_back(std::move(r));
      const Lexed& after = Next();
      if (after.token == Token::kEnd) return Status::Ok();
      if (after.token != Token::kComma) return Unexpected(after, "\",\" or end of selector");
    }
  }

 private:
  const Lexed& Peek() const { return tokens_[pos_]; }
  const Lexed& Next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }

  Status Error(const std::string& what) const {
    return InvalidArgument("invalid label selector " + Quote(text_) + ": " + what);
  }
  Status Unexpected(const Lexed& t, std::string_view expected) const {
    std::string found = t.token == Token::kEnd ? "end of selector" : Quote(t.text);
    return Error("found " + found + ", expected " + std::string(expected));
  }

  Status ParseRequirement(Requirement* r) {
    bool negated = false;
    if (Peek().token == Token::kBang) {
      Next();
      negated = true;
    }
    const Lexed& key = Next();
    if (key.token != Token::kIdentifier) return Unexpected(key, "a label key");
    r->key = key.text;
    Problems problems = CheckQualifiedName(r->key);
    if (!problems.empty()) return Error("invalid label key " + Quote(r->key) + ": " + problems[0]);
    if (negated) {
      r->op = SelectorOperator::kDoesNotExist;
      return Status::Ok();
    }
    Token next = Peek().token;
    if (next == Token::kComma || next == Token::kEnd) {
      r->op = SelectorOperator::kExists;
      return Status::Ok();
    }
    const Lexed& op = Next();
    switch (op.token) {
      case Token::kEquals:
        r->op = SelectorOperator::kEquals;
        break;
      case Token::kDoubleEquals:
        r->op = SelectorOperator::kDoubleEquals;
        break;
      case Token::kNotEquals:
        r->op = SelectorOperator::kNotEquals;
        break;
      case Token::kIn:
        r->op = SelectorOperator::kIn;
        break;
      case Token::kNotIn:
        r->op = SelectorOperator::kNotIn;
        break;
      case Token::kGreaterThan:
        r->op = SelectorOperator::kGreaterThan;
        break;
      case Token::kLessThan:
        r->op = SelectorOperator::kLessThan;
        break;
      default:
        return Unexpected(op, "one of \"=\", \"==\", \"!=\", \"in\", \"notin\", \">\", \"<\"");
    }
    if (r->op == SelectorOperator::kIn || r->op == SelectorOperator::kNotIn) {
      SKIFF_RETURN_IF_ERROR(ParseSet(r));
    } else {
      SKIFF_RETURN_IF_ERROR(ParseSingleValue(r));
    }
    for (const std::string& v : r->values) {
      Problems vp = CheckLabelValue(v);
      if (!vp.empty()) return Error("invalid label value " + Quote(v) + ": " + vp[0]);
    }
    return Status::Ok();
  }

  Status ParseSingleValue(Requirement* r) {
    const Lexed& t = Peek();
    if (t.token == Token::kComma || t.token == Token::kEnd) {
      if (r->op == SelectorOperator::kGreaterThan || r->op == SelectorOperator::kLessThan) {
        return Unexpected(t, "an integer value");
      }
      r->values = {""};
      return Status::Ok();
    }
    // Keywords are ordinary values on the right-hand side ("a=in").
    if (t.token != Token::kIdentifier && t.token != Token::kIn && t.token != Token::kNotIn) {
      return Unexpected(t, "a label value");
    }
    r->values = {Next().text};
    if (r->op == SelectorOperator::kGreaterThan || r->op == SelectorOperator::kLessThan) {
      const std::string& v = r->values[0];
      int64_t n;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || p != v.data() + v.size()) {
        return Error(
            "value " + Quote(v) + " after \"" +
            (r->op == SelectorOperator::kGreaterThan ? std::string(">") : std::string("<")) +
            "\" must be an integer");
      }
    }
    return Status::Ok();
  }

  Status ParseSet(Requirement* r) {
    const Lexed& open = Next();
    if (open.token != Token::kOpen) return Unexpected(open, "\"(\"");
    std::vector<std::string> values;
    bool expect_value = true;
    for (;;) {
      const Lexed& t = Next();
      if (t.token == Token::kClose) {
        if (expect_value && !values.empty()) values.push_back("");  // "(a,)"
        break;
      }
      if (t.token == Token::kComma) {
        if (expect_value) values.push_back("");  // "(a,,b)": an empty value, as Kubernetes
        expect_value = true;
        continue;
      }
      if (expect_value &&
          (t.token == Token::kIdentifier || t.token == Token::kIn || t.token == Token::kNotIn)) {
        values.push_back(t.text);
        expect_value = false;
        continue;
      }
      return Unexpected(t, expect_value ? "a label value or \")\"" : "\",\" or \")\"");
    }
    if (values.empty()) {
      return Error("for \"in\" and \"notin\" the set of values must not be empty (key " +
                   Quote(r->key) + ")");
    }
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    r->values = std::move(values);
    return Status::Ok();
  }

  std::string_view text_;
  std::vector<Lexed> tokens_;
  size_t pos_ = 0;
};

// Kubernetes' matching rules over any label lookup.
template <typename Lookup>
bool RequirementMatches(const Requirement& r, const Lookup& lookup) {
  const std::string* value = lookup(r.key);
  auto in_values = [&] {
    return value && std::binary_search(r.values.begin(), r.values.end(), *value);
  };
  switch (r.op) {
    case SelectorOperator::kEquals:
    case SelectorOperator::kDoubleEquals:
    case SelectorOperator::kIn:
      return in_values();
    case SelectorOperator::kNotEquals:
    case SelectorOperator::kNotIn:
      return !in_values();
    case SelectorOperator::kExists:
      return value != nullptr;
    case SelectorOperator::kDoesNotExist:
      return value == nullptr;
    case SelectorOperator::kGreaterThan:
    case SelectorOperator::kLessThan: {
      if (!value || r.values.size() != 1) return false;
      int64_t have, want;
      auto [p1, e1] = std::from_chars(value->data(), value->data() + value->size(), have);
      auto [p2, e2] =
          std::from_chars(r.values[0].data(), r.values[0].data() + r.values[0].size(), want);
      if (e1 != std::errc() || e2 != std::errc() || p1 != value->data() + value->size()) {
        return false;
      }
      return r.op == SelectorOperator::kGreaterThan ? have > want : have < want;
    }
  }
  return false;
}

template <typename Lookup>
bool SelectorMatches(const std::vector<Requirement>& reqs, bool nothing, const Lookup& lookup) {
  if (nothing) return false;
  return std::all_of(reqs.begin(), reqs.end(),
                     [&](const Requirement& r) { return RequirementMatches(r, lookup); });
}

}  // namespace

std::string Requirement::ToString() const {
  auto joined = [&] {
    // "()" would not parse: a set holding only "" prints as "(,)".
    if (values.size() == 1 && values[0].empty()) return std::string(",");
    std::string s;
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) s += ",";
      s += values[i];
    }
    return s;
  };
  std::string first = values.empty() ? "" : values[0];
  switch (op) {
    case SelectorOperator::kEquals:
      return key + "=" + first;
    case SelectorOperator::kDoubleEquals:
      return key + "==" + first;
    case SelectorOperator::kNotEquals:
      return key + "!=" + first;
    case SelectorOperator::kIn:
      return key + " in (" + joined() + ")";
    case SelectorOperator::kNotIn:
      return key + " notin (" + joined() + ")";
    case SelectorOperator::kExists:
      return key;
    case SelectorOperator::kDoesNotExist:
      return "!" + key;
    case SelectorOperator::kGreaterThan:
      return key + ">" + first;
    case SelectorOperator::kLessThan:
      return key + "<" + first;
  }
  return key;
}

Selector Selector::Nothing() {
  Selector s;
  s.nothing_ = true;
  return s;
}

void Selector::Add(Requirement r) {
  auto it =
      std::upper_bound(requirements_.begin(), requirements_.end(), r,
                       [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
  requirements_.insert(it, std::move(r));
}

Result<Selector> Selector::Parse(std::string_view text) {
  std::vector<Requirement> reqs;
  Parser parser(text);
  SKIFF_RETURN_IF_ERROR(parser.Parse(&reqs));
  Selector s;
  for (Requirement& r : reqs)
    s.Add(std::move(r));
  return s;
}

Result<Selector> Selector::FromLabelSelector(const LabelSelector& selector) {
  ErrorList errors;
  ValidateLabelSelector(selector, "", &errors);
  if (!errors.empty()) {
    return InvalidArgument("invalid label selector: " + JoinFieldErrors(errors.errors()));
  }
  Selector s;
  std::map<std::string, std::string> match_labels(selector.match_labels().begin(),
                                                  selector.match_labels().end());
  for (const auto& [k, v] : match_labels)
    s.Add({k, SelectorOperator::kEquals, {v}});
  for (const LabelSelectorRequirement& e : selector.match_expressions()) {
    Requirement r;
    r.key = e.key();
    if (e.operator_() == "In") r.op = SelectorOperator::kIn;
    if (e.operator_() == "NotIn") r.op = SelectorOperator::kNotIn;
    if (e.operator_() == "Exists") r.op = SelectorOperator::kExists;
    if (e.operator_() == "DoesNotExist") r.op = SelectorOperator::kDoesNotExist;
    r.values.assign(e.values().begin(), e.values().end());
    std::sort(r.values.begin(), r.values.end());
    r.values.erase(std::unique(r.values.begin(), r.values.end()), r.values.end());
    s.Add(std::move(r));
  }
  return s;
}

Selector Selector::FromLabels(const std::map<std::string, std::string>& labels) {
  Selector s;
  for (const auto& [k, v] : labels)
    s.requirements_.push_back({k, SelectorOperator::kEquals, {v}});
  return s;
}

Selector Selector::FromLabels(const google::protobuf::Map<std::string, std::string>& labels) {
  return FromLabels(std::map<std::string, std::string>(labels.begin(), labels.end()));
}

bool Selector::Matches(const google::protobuf::Map<std::string, std::string>& labels) const {
  return SelectorMatches(requirements_, nothing_, [&](const std::string& k) -> const std::string* {
    auto it = labels.find(k);
    return it == labels.end() ? nullptr : &it->second;
  });
}

bool Selector::Matches(const std::map<std::string, std::string>& labels) const {
  return SelectorMatches(requirements_, nothing_, [&](const std::string& k) -> const std::string* {
    auto it = labels.find(k);
    return it == labels.end() ? nullptr : &it->second;
  });
}

std::string Selector::ToString() const {
  std::string out;
  for (const Requirement& r : requirements_) {
    if (!out.empty()) out += ",";
    out += r.ToString();
  }
  return out;
}

void ValidateLabelSelector(const LabelSelector& selector, std::string_view path,
                           ErrorList* errors) {
  ValidateLabels(selector.match_labels(), Child(path, "matchLabels"), errors);
  for (int i = 0; i < selector.match_expressions_size(); ++i) {
    const LabelSelectorRequirement& e = selector.match_expressions(i);
    std::string p = Index(Child(path, "matchExpressions"), i);
    const std::string& op = e.operator_();
    if (op == "In" || op == "NotIn") {
      if (e.values_size() == 0) {
        errors->Required(Child(p, "values"),
                         "must be specified when `operator` is 'In' or 'NotIn'");
      }
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (e.values_size() > 0) {
        errors->Forbidden(Child(p, "values"),
                          "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
      }
    } else {
      errors->NotSupported(Child(p, "operator"), op, {"In", "NotIn", "Exists", "DoesNotExist"});
    }
    if (e.key().empty()) {
      errors->Required(Child(p, "key"));
    } else {
      errors->AddProblems(Child(p, "key"), e.key(), CheckQualifiedName(e.key()));
    }
    for (int j = 0; j < e.values_size(); ++j) {
      errors->AddProblems(Index(Child(p, "values"), j), e.values(j), CheckLabelValue(e.values(j)));
    }
  }
}

void ValidateLabels(const google::protobuf::Map<std::string, std::string>& labels,
                    std::string_view path, ErrorList* errors) {
  std::map<std::string, std::string> sorted(labels.begin(), labels.end());
  for (const auto& [k, v] : sorted) {
    std::string p = Key(path, k);
    errors->AddProblems(p, k, CheckQualifiedName(k));
    errors->AddProblems(p, v, CheckLabelValue(v));
  }
}

}  // namespace skiff::api
