#pragma once
// Flink paths and path components: the one splitter of a Flink Path string and the one guard
// against components that leave the place they are meant to name.
//
// Splitter source: org.apache.flink.core.fs.Path(String) (flink-core Path.java, the same rules in
// 1.x and 2.x; java.net.URI supplies the parts): a scheme when a ':' comes before the first '/',
// an authority after "//" (only when more than two characters follow), the rest is the path,
// normalized by Path.normalizePath ('\' becomes '/', runs of '/' collapse, one trailing '/'
// goes except for the root). Windows drive letters are not handled. Path.toString() renders
// scheme ':' ["//" authority] path, and java.net.URI turns an empty authority into none, so
// "file:///x" renders as "file:/x". The rules were checked against real Flink
// (tests/unit/test_config_ha_paths.cpp).

#include <optional>
#include <string>
#include <string_view>

namespace flinkha::util {

struct FlinkPath {
  std::string scheme; // as written (compare case-insensitively, as java.net.URI does); empty: none
  std::string authority; // empty: none
  std::string path;      // normalized (Path.normalizePath)
};

// new Path(text), split.
FlinkPath parse_flink_path(std::string_view text);

// The file systems flinkha reaches, by URI scheme (compared case-insensitively): hdfs, webhdfs,
// swebhdfs → HDFS (through WebHDFS); s3, s3a, s3p → S3 (Flink's flink-s3-fs-hadoop and
// flink-s3-fs-presto plugins); no scheme or file → local; any other → other (not supported for
// the storage side). The one list every caller asks (open_storage, config show, the lints).
enum class FileSystemKind { local, hdfs, s3, other };
FileSystemKind file_system_kind(std::string_view scheme);

// Path.normalizePath of the path part alone.
std::string normalize_flink_path_part(std::string_view path);

// Path.toString().
std::string render_flink_path(const FlinkPath& path);

// The component guard: the first component of a '/'-separated relative path (no leading '/')
// that is empty, ".", "..", or holds a control character (U+0000-U+001F, U+007F, which ZooKeeper's
// PathUtils.validatePath refuses too), or nullopt when every component is a plain name. An empty
// `relative` has no components. Every check that a znode path, a storage path or a cluster-id
// names a place of its own uses this.
std::optional<std::string_view> unsafe_component(std::string_view relative);

} // namespace flinkha::util
