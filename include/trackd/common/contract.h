// The numbers and names of the contract in proto/trackd/v1/track.proto that
// code on both sides of the wire needs: the event names and the size limits
// the proto comments document. The proto is the source of truth; these
// constants are the one place C++ code reads them from.
#ifndef TRACKD_COMMON_CONTRACT_H_
#define TRACKD_COMMON_CONTRACT_H_

#include <cstddef>
#include <cstdint>

namespace trackd {

// The documented JSON "event" of the typed event TrackRequest.account_added_user.
inline constexpr char kAccountAddedUserEvent[] = "account_added_user";

// The most items a TrackBatch call may carry.
inline constexpr int kMaxBatchItems = 500;
// The largest documented JSON line an event may encode to, without its newline.
inline constexpr size_t kMaxEncodedEventBytes = 32 * 1024;

// Length limits, in characters (Unicode code points).
inline constexpr size_t kMaxMessageIdChars = 100;
inline constexpr size_t kMaxEventNameChars = 128;
inline constexpr size_t kMaxIdChars = 256;
inline constexpr size_t kMaxRoleChars = 128;
inline constexpr size_t kMaxUserNameChars = 256;
inline constexpr size_t kMaxEmailChars = 254;
inline constexpr size_t kMaxEmailLocalChars = 64;
inline constexpr size_t kMaxStructKeyChars = 128;
// The deepest nesting of Struct values in context and properties.
inline constexpr int kMaxStructDepth = 16;

// UTF-8 takes at most four bytes per code point.
inline constexpr size_t kMaxUtf8BytesPerChar = 4;

// google.protobuf.Timestamp's own range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
inline constexpr int64_t kMinTimestampSeconds = -62135596800;
inline constexpr int64_t kMaxTimestampSeconds = 253402300799;

}  // namespace trackd

#endif  // TRACKD_COMMON_CONTRACT_H_
