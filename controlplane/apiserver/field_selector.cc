#include "controlplane/apiserver/field_selector.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

namespace skiff::apiserver {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ')
    s.remove_suffix(1);
  return s;
}

const FieldDescriptor* FindByJsonName(const Descriptor* d, std::string_view name) {
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->json_name() == name) return d->field(i);
  }
  return nullptr;
}

}  // namespace

std::string ScalarText(const Message& object, const std::vector<const FieldDescriptor*>& fields) {
  const Message* m = &object;
  for (size_t i = 0; i + 1 < fields.size(); ++i) {
    const auto* refl = m->GetReflection();
    if (!refl->HasField(*m, fields[i])) {
      m = nullptr;
      break;
    }
    m = &refl->GetMessage(*m, fields[i]);
  }
  const FieldDescriptor* f = fields.back();
  if (!m) {
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) return "false";
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) return "";
    return "0";
  }
  const auto* refl = m->GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return refl->GetString(*m, f);
    case FieldDescriptor::CPPTYPE_BOOL:
      return refl->GetBool(*m, f) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_INT32:
      return std::to_string(refl->GetInt32(*m, f));
    case FieldDescriptor::CPPTYPE_INT64:
      return std::to_string(refl->GetInt64(*m, f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return std::to_string(refl->GetUInt32(*m, f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return std::to_string(refl->GetUInt64(*m, f));
    case FieldDescriptor::CPPTYPE_ENUM:
      return refl->GetEnum(*m, f)->name();
    default:
      return "";
  }
}

Result<FieldSelector> FieldSelector::Parse(std::string_view text, const Descriptor* descriptor) {
  FieldSelector sel;
  text = Trim(text);
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view part = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (part.empty()) continue;
    auto bad = [&](std::string_view why) {
      return InvalidArgument("invalid field selector \"" + std::string(part) +
                             "\": " + std::string(why));
    };
    Requirement req;
    size_t op = part.find("!=");
    size_t op_len = 2;
    if (op != std::string_view::npos) {
      req.equal = false;
    } else if ((op = part.find("==")) == std::string_view::npos) {
      op = part.find('=');
      op_len = 1;
    }
    if (op == std::string_view::npos) return bad("want field=value, field==value or field!=value");
    req.path = std::string(Trim(part.substr(0, op)));
    req.value = std::string(Trim(part.substr(op + op_len)));
    const Descriptor* d = descriptor;
    std::string_view path = req.path;
    while (true) {
      size_t dot = path.find('.');
      std::string_view name = path.substr(0, dot);
      const FieldDescriptor* f = d ? FindByJsonName(d, name) : nullptr;
      if (!f || f->is_repeated()) return bad("field label not supported: " + req.path);
      req.fields.push_back(f);
      if (dot == std::string_view::npos) {
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          return bad("field label not supported: " + req.path + " (not a scalar)");
        }
        break;
      }
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        return bad("field label not supported: " + req.path);
      }
      d = f->message_type();
      path = path.substr(dot + 1);
    }
    sel.requirements_.push_back(std::move(req));
  }
  return sel;
}

bool FieldSelector::Matches(const Message& object) const {
  for (const auto& r : requirements_) {
    if ((ScalarText(object, r.fields) == r.value) != r.equal) return false;
  }
  return true;
}

std::string FieldSelector::EqualityValue(std::string_view path) const {
  for (const auto& r : requirements_) {
    if (r.equal && r.path == path) return r.value;
  }
  return "";
}

}  // namespace skiff::apiserver
