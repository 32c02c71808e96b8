#pragma once
// Helpers shared by unit tests: fixture files and per-test temporary directories.

#include "config/cluster_config.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <string_view>

namespace flinkha::test {

// Reads tests/unit/fixtures/<relative> as bytes.
inline std::string fixture(std::string_view relative) {
  const auto path = std::filesystem::path(FLINKHA_FIXTURES_DIR) / relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("missing fixture " + path.string());
  }
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fresh directory under the system temp dir, removed when the object goes away.
class TempDir {
public:
  TempDir() {
    std::random_device rd;
    m_path = std::filesystem::temp_directory_path() /
             ("flinkha-unit-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return m_path; }

  // Writes `content` to path()/relative (creating parent dirs) and returns the full path.
  std::filesystem::path write(std::string_view relative, std::string_view content) const {
    const auto file = m_path / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    return file;
  }

private:
  std::filesystem::path m_path;
};

// An environment with exactly these variables (the process environment stays untouched).
inline config::Environment fake_environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    if (auto it = values.find(std::string(name)); it != values.end()) {
      return it->second;
    }
    return std::nullopt;
  };
}

} // namespace flinkha::test
