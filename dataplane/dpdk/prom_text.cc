#include "dataplane/dpdk/prom_text.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace skiff::dataplane::dpdk {
namespace {

bool NameChar(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         (!first && c >= '0' && c <= '9');
}

Status LineError(size_t line, const std::string& what) {
  return InvalidArgument("metrics line " + std::to_string(line) + ": " + what);
}

}  // namespace

Result<PromFamilies> ParsePromText(std::string_view text) {
  PromFamilies out;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
      ++i;
    if (i == line.size() || line[i] == '#') continue;
    size_t start = i;
    if (!NameChar(line[i], true)) return LineError(line_no, "expected a metric name");
    while (i < line.size() && NameChar(line[i], false))
      ++i;
    std::string name(line.substr(start, i - start));
    PromSample s;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (true) {
        while (i < line.size() && (line[i] == ' ' || line[i] == ','))
          ++i;
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        size_t ls = i;
        if (i >= line.size() || !NameChar(line[i], true))
          return LineError(line_no, "expected a label name in " + name);
        while (i < line.size() && NameChar(line[i], false))
          ++i;
        std::string label(line.substr(ls, i - ls));
        if (i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"')
          return LineError(line_no, "expected =\" after label " + label);
        i += 2;
        std::string value;
        bool closed = false;
        while (i < line.size()) {
          char c = line[i++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\') {
            if (i >= line.size()) break;
            char e = line[i++];
            value += e == 'n' ? '\n' : e;
          } else {
            value += c;
          }
        }
        if (!closed) return LineError(line_no, "unterminated value of label " + label);
        s.labels[label] = std::move(value);
      }
    }
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
      ++i;
    size_t vs = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t')
      ++i;
    std::string num(line.substr(vs, i - vs));
    if (num.empty()) return LineError(line_no, "no value for " + name);
    if (num == "+Inf" || num == "Inf") {
      s.value = HUGE_VAL;
    } else if (num == "-Inf") {
      s.value = -HUGE_VAL;
    } else if (num == "NaN") {
      s.value = NAN;
    } else {
      char* end = nullptr;
      errno = 0;
      s.value = std::strtod(num.c_str(), &end);
      if (end != num.c_str() + num.size() || errno == ERANGE)
        return LineError(line_no, "bad value \"" + num + "\" for " + name);
    }
    out[name].push_back(std::move(s));
  }
  return out;
}

}  // namespace skiff::dataplane::dpdk
