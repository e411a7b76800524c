// The verbs of skiff-cni. Each takes the validated environment, the parsed
// configuration and the raw stdin (for IPAM delegation), and returns the text
// to print on success (ADD: the result; others: nothing) or a CNI error. Every
// command runs in the calling thread's (host) network namespace and only
// enters the pod's namespace through a netlink socket opened there.
#pragma once

#include <string>
#include <string_view>

#include "cni/plugin/conf.h"
#include "cni/plugin/env.h"
#include "cni/spec/error.h"

namespace skiff::cni::plugin {

Expected<std::string> CmdAdd(const Env& env, const NetConf& conf, std::string_view stdin_data);
Expected<std::string> CmdDel(const Env& env, const NetConf& conf, std::string_view stdin_data);
Expected<std::string> CmdCheck(const Env& env, const NetConf& conf, std::string_view stdin_data);
Expected<std::string> CmdGc(const Env& env, const NetConf& conf, std::string_view stdin_data);
Expected<std::string> CmdStatus(const Env& env, const NetConf& conf, std::string_view stdin_data);

}  // namespace skiff::cni::plugin
