#include "remote/executor.hpp"

namespace flinkha::remote {

Executor::~Executor() = default;

bool is_local_host(std::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "::1";
}

} // namespace flinkha::remote
