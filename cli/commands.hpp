#pragma once
// The command table (ninja's `Tool` table): every command group flinkha has, its one-line summary,
// and the function that registers its subcommands and options with CLI11. main.cpp walks this
// table; adding a command is adding a row and a file pair.

#include "context.hpp"

#include <CLI/CLI.hpp>

#include <span>
#include <string_view>

namespace flinkha::cli {

struct CommandGroup {
  std::string_view name;
  std::string_view summary;
  void (*setup)(CLI::App& app, Context& context);
};

// cli/config_cmd.cpp
void setup_config_command(CLI::App& app, Context& context);

inline constexpr CommandGroup kCommands[] = {
    {"config", "show the resolved configuration with provenance, or lint it", setup_config_command},
};

} // namespace flinkha::cli
