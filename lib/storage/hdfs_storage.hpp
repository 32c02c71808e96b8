#pragma once
// HaStorage on HDFS through WebHDFS (hdfs://, webhdfs://, swebhdfs://), REST API of Hadoop 3.x
// (/webhdfs/v1<path>?op=…; NamenodeWebHdfsMethods), over the one HTTP client.
//
// Opening: the Hadoop configuration as Flink of the cluster's version loads it
// (config/hadoop_conf.hpp), the NameNodes of the URI (config/hadoop_namenodes.hpp), then
// GETFILESTATUS of the base (missing: base_exists() false; a file there: an error).
// Authentication: hadoop.security.authentication "kerberos" → SPNEGO with the user's ticket
// cache (no user.name); otherwise simple, user.name = $HADOOP_USER_NAME, else the local user.
//
// The operations, each a WebHDFS call (never a recursive DELETE):
//  list     LISTSTATUS_BATCH pages (startAfter = the last name), falling back to LISTSTATUS
//           when the server does not know the op; with Recursive::yes level by level, every
//           directory of a level (and every next page) in flight at once through perform_all.
//           Symlinks are listed, never entered. A missing directory lists empty.
//  stat     GETFILESTATUS (FileNotFoundException → nullopt).
//  read     GETFILESTATUS (type, size against max_bytes), then OPEN following the 307 to the
//           DataNode.
//  remove   GETFILESTATUS (the type check), then DELETE recursive=false; {"boolean": false} or
//           FileNotFoundException → already_gone. remove_files batches both rounds.
//  rmdir    the same for a directory; a non-empty one is refused by the NameNode
//           (PathIsNotEmptyDirectoryException) and left alone.
//  check    MKDIRS of the existing base and CHECKACCESS -wx (check_writable, before a cleanup).
//  rename   RENAME with renameoptions=OVERWRITE (ClientProtocol.rename2): the interface
//           promises that an existing file of the new name is replaced, as Flink's
//           LocalFileSystem does. Flink's HadoopFileSystem.rename (the old rename, which HDFS
//           refuses with `false` when the destination exists) would leave a dirty
//           JobResultStore entry next to a clean one after an interrupted mark; rename2 with
//           OVERWRITE replaces atomically in the NameNode, so the mark is idempotent: a rerun
//           finds the dirty file gone (mark_job_result_clean: already clean) or renames again.
//  write    CREATE overwrite=false with no permission, replication or blocksize: WebHDFS's and
//           the cluster's defaults (PermissionParam: 644 for the file, 755 for parents made,
//           which is what Flink's HadoopFileSystem.create gives under the default umask 022;
//           dfs.replication and dfs.blocksize of the DataNode's client configuration);
//           its 307 not followed, then the content PUT to the DataNode of the Location
//           (send_to_datanode); missing parents are made by the create (createparent=true in
//           the Location). The NameNode's 307 checks nothing: an existing name, a missing
//           permission, safe mode all come back from the DataNode step as the NameNode's
//           RemoteException (captured: fixtures/webhdfs/create_*), FileAlreadyExistsException
//           → "already exists; not replaced". When the HTTP client had to resend the body
//           (a broken connection) and the DataNode then says the file exists, the file is read
//           back: the same bytes are our own first attempt, anything else is refused. The
//           file is complete once the DataNode answers 201 (the NameNode has closed it).
//           Sources: WebHDFS REST API "Create and Write to a File" (Hadoop 3.x);
//           NamenodeWebHdfsMethods (CREATE: a redirect to a DataNode, nothing checked);
//           the DataNode's WebHdfsHandler.onCreate (DFSClient.create with CreateFlag.CREATE,
//           without OVERWRITE for overwrite=false).
// HDFS resolves no symlinks inside a path (they are disabled by default since Hadoop 2.x and
// WebHDFS never follows them for these ops), so no through-symlink check is made on the way.
// Errors are the server's RemoteException in words (webhdfs_client.hpp), naming the path, the
// NameNode and, where it matters, the user.

#include "storage/storage.hpp"
#include "storage/storage_options.hpp"
#include "storage/webhdfs_client.hpp"
#include "util/flink_path.hpp"

#include <functional>
#include <memory>
#include <string>

namespace flinkha::storage {

class HdfsStorage final : public HaStorage {
public:
  // `base_path` is absolute and normalized ("/flink/ha/default"); `description` the URI for
  // messages ("hdfs://nn:8020/flink/ha/default").
  static Result<std::unique_ptr<HdfsStorage>>
  open(std::unique_ptr<WebHdfsClient> client, std::string base_path, std::string description,
       std::function<void(std::string_view)> progress = {});

  std::string describe() const override { return m_description; }
  bool base_exists() const override { return m_base_exists; }
  Result<std::vector<Entry>> list(std::string_view relative_dir, Recursive recursive) override;
  Result<std::optional<Entry>> stat(std::string_view relative) override;
  Result<std::string> read_file(std::string_view relative, std::size_t max_bytes) override;
  // MKDIRS of the existing base (a no-op that the NameNode refuses in safe mode, and that moves
  // on from a standby NameNode), then CHECKACCESS fsaction=-wx of the base (what removing its
  // entries needs; FileSystem.access, Hadoop 2.6+; skipped when the server does not know it).
  Status check_writable() override;
  Result<Removal> remove_file(std::string_view relative) override;
  Result<Removal> remove_empty_dir(std::string_view relative) override;
  std::vector<Result<Removal>> remove_files(const std::vector<std::string>& relatives) override;
  Status rename_file(std::string_view relative, std::string_view new_name) override;
  Status write_file(std::string_view relative, std::string_view content) override;

private:
  HdfsStorage(std::unique_ptr<WebHdfsClient> client, std::string base_path, std::string description,
              std::function<void(std::string_view)> progress);

  std::string absolute(std::string_view relative) const;
  std::string shown(std::string_view relative) const; // for messages
  Error error_of(const http::Response& response, std::string_view action,
                 std::string_view relative) const;
  // GETFILESTATUS of many; nullopt where nothing is there.
  std::vector<Result<std::optional<WebHdfsStatus>>>
  statuses(const std::vector<std::string>& relatives);
  // The 200 answer of one call; FileNotFoundException is "does not exist", any other error the
  // server's, in words.
  Result<http::Response> answered(const WebHdfsCall& call, std::string_view action,
                                  std::string_view relative);
  // stat of a path that must be a regular file: missing or another type is an error ending in
  // `otherwise` ("not read", "left alone").
  Result<Entry> regular_file(std::string_view relative, std::string_view otherwise);
  std::vector<Result<Removal>> remove_entries(const std::vector<std::string>& relatives,
                                              EntryType expected);

  std::unique_ptr<WebHdfsClient> m_client;
  std::string m_base;
  std::string m_description;
  std::function<void(std::string_view)> m_progress;
  bool m_base_exists = false;
  bool m_batch_listing = true; // LISTSTATUS_BATCH until the server says it does not know it
};

// `uri` is the split storage URI (scheme hdfs, webhdfs or swebhdfs).
Result<std::unique_ptr<HaStorage>> open_hdfs_storage(const util::FlinkPath& uri,
                                                     const StorageOptions& options);

} // namespace flinkha::storage
