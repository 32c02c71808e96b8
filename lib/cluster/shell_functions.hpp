#pragma once
// Shell functions shared by the commands lib/cluster runs on hosts (plans.cpp, zk_launch.cpp).
// Each is one line of POSIX sh ending in "; ", so they can be concatenated into a script.

#include <string_view>

namespace flinkha::cluster {

// `alive PID`: the process exists and is not a zombie. `kill -0` alone succeeds on a zombie, and
// PID 1 of a container (or a host's init under load) may take seconds to reap a daemon it
// inherited: flink-daemon.sh's background JVM that could not open its .out file dies at once and
// stays a zombie, child of PID 1, while the pid check runs. The state is the field after the
// command name in /proc/PID/stat ("Z" zombie, "X" dead); without /proc only kill -0 decides.
inline constexpr std::string_view kAliveFunction =
    "alive() { kill -0 \"$1\" 2>/dev/null || return 1; "
    "s=$(sed -n 's/^.*) \\([A-Z]\\).*$/\\1/p' \"/proc/$1/stat\" 2>/dev/null); "
    "[ \"$s\" != Z ] && [ \"$s\" != X ]; }; ";

} // namespace flinkha::cluster
