#include "flink/leader_info.hpp"

#include "flink/java_serial.hpp"

#include <fmt/format.h>

namespace flinkha::flink {

namespace {

constexpr std::string_view kUuidClass = "java.util.UUID";

Result<std::optional<std::string>> session_id(const JavaStream& stream, const JavaValue& value) {
  if (std::holds_alternative<std::monostate>(value)) {
    return std::optional<std::string>{};
  }
  const JavaObject* uuid = stream.object(value);
  if (uuid == nullptr || stream.class_name(*uuid) != kUuidClass) {
    return fail("leader information: the session id is not a java.util.UUID object");
  }
  const auto most = stream.field(*uuid, "mostSigBits", kUuidClass);
  const auto least = stream.field(*uuid, "leastSigBits", kUuidClass);
  const auto* most_bits = most ? std::get_if<std::int64_t>(&*most) : nullptr;
  const auto* least_bits = least ? std::get_if<std::int64_t>(&*least) : nullptr;
  if (most_bits == nullptr || least_bits == nullptr) {
    return fail("leader information: java.util.UUID without long fields mostSigBits and "
                "leastSigBits");
  }
  return std::optional<std::string>{format_java_uuid(*most_bits, *least_bits)};
}

} // namespace

std::string format_java_uuid(std::int64_t most_sig_bits, std::int64_t least_sig_bits) {
  const auto most = static_cast<std::uint64_t>(most_sig_bits);
  const auto least = static_cast<std::uint64_t>(least_sig_bits);
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", most >> 32, (most >> 16) & 0xffff,
                     most & 0xffff, least >> 48, least & 0xffff'ffff'ffffULL);
}

Result<std::optional<LeaderInformation>> decode_leader_information(std::string_view bytes) {
  if (bytes.empty()) {
    return std::optional<LeaderInformation>{};
  }
  auto stream = parse_java_stream(bytes);
  if (!stream) {
    return fail("leader information: " + stream.error().message);
  }
  // readUTF consumes the block data (the reader sees adjacent records as one), then
  // readObject the UUID; Flink ignores anything after it, and so do we.
  const auto& contents = stream->contents;
  const auto* block = contents.empty() ? nullptr : stream->get<JavaBlockData>(contents.front());
  if (block == nullptr) {
    return fail("leader information: the stream does not start with the address "
                "(block data written by writeUTF)");
  }
  const std::string& data = block->bytes;
  if (data.size() < 2) {
    return fail("leader information: the address block holds no UTF length");
  }
  const std::size_t length = (static_cast<std::size_t>(static_cast<unsigned char>(data[0])) << 8) |
                             static_cast<unsigned char>(data[1]);
  if (length != data.size() - 2) {
    return failf("leader information: the address is {} bytes long but its block data holds {}",
                 length, data.size() - 2);
  }
  auto address = decode_modified_utf8(std::string_view(data).substr(2));
  if (!address) {
    return fail("leader information: address: " + address.error().message);
  }
  if (contents.size() < 2) {
    return fail("leader information: no session id after the address");
  }
  auto session = session_id(*stream, contents[1]);
  if (!session) {
    return std::unexpected(session.error());
  }
  return std::optional<LeaderInformation>{
      LeaderInformation{std::move(*address), std::move(*session)}};
}

} // namespace flinkha::flink
