// One spdlog logger per component, writing "ts level component msg k=v ..."
// to stderr. Loggers are created on first use and are thread-safe.
// Secrets (tokens, Secret values, keys) must never be passed to a logger.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string_view>

namespace skiff::log {

// Returns the logger for `component` ("apiserver", "store", "cni", ...).
std::shared_ptr<spdlog::logger> Get(std::string_view component);

// Sets the level of every logger, existing and future: "trace", "debug",
// "info", "warn", "error", "off". Unknown names leave the level unchanged and
// return false.
bool SetLevel(std::string_view level);

}  // namespace skiff::log
