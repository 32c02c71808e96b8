#pragma once
// Private to lib/config: collects the flat key/value entries of a configuration file (both
// formats), the last duplicate winning as in Flink.

#include "config/flink_conf.hpp"

#include <string>
#include <unordered_map>
#include <vector>

namespace flinkha::config::detail {

// FlatConfig::set is linear; index keys so a file with many lines stays O(n log n).
class FlatBuilder {
public:
  void set(std::string key, std::string value, SourceLocation where) {
    auto [it, inserted] = m_index.try_emplace(key, m_entries.size());
    if (inserted) {
      m_entries.push_back({std::move(key), std::move(value), std::move(where)});
    } else {
      m_entries[it->second].value = std::move(value);
      m_entries[it->second].where = std::move(where);
    }
  }
  const ConfigEntry* find(const std::string& key) const {
    const auto it = m_index.find(key);
    return it == m_index.end() ? nullptr : &m_entries[it->second];
  }
  FlatConfig build() && {
    FlatConfig config;
    for (auto& e : m_entries) {
      config.set(std::move(e)); // keys are unique here, so every set appends
    }
    return config;
  }

private:
  std::vector<ConfigEntry> m_entries;
  std::unordered_map<std::string, std::size_t> m_index;
};

} // namespace flinkha::config::detail
