#pragma once
// The S3 rules of `flinkha config check` (called from lint_cluster_config):
//  - s3-secret-in-world-readable-config (warning): a secret (Flink's own rule,
//    sensitive_keys.hpp: s3.secret-key, fs.s3a.secret.key, fs.s3a.session.token, …) under a
//    prefix Flink's S3 file systems read (s3., s3a., fs.s3a., presto.s3.) written in the Flink
//    configuration file while that file is readable by every user of the host.
//  - s3-key-without-secret (warning): an access key without a secret key, or the reverse, in the
//    Flink configuration: Flink's S3 file systems then fall back to other credential providers
//    (environment, profile files, an instance profile), which is rarely what was meant.
// No rule says "no S3 credentials": an instance profile or web identity may provide them, which
// neither Flink's configuration nor flinkha can see.

#include "config/cluster_config.hpp"
#include "config/diagnostics.hpp"

namespace flinkha::config {

// Appends the findings of the rules above to `out`.
void lint_s3(const ClusterConfig& config, Diagnostics& out);

} // namespace flinkha::config
