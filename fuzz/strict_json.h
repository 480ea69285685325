// A strict RFC 8259 JSON checker for the fuzz targets: the documented JSON
// trackd stores must be read the same way by any JSON parser, so the check is
// stricter than most parsers. Not used by the server.
#ifndef TRACKD_FUZZ_STRICT_JSON_H_
#define TRACKD_FUZZ_STRICT_JSON_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace trackd {

// Returns OK when `text` is exactly one JSON value (with optional surrounding
// whitespace) under RFC 8259, read strictly: valid UTF-8 only (no overlong
// forms, surrogates or code points above U+10FFFF), no raw control characters
// in strings, \u escapes of surrogates only as a high-low pair, numbers in the
// RFC's grammar, no duplicate keys in an object, and nesting at most 512 deep.
// Otherwise INVALID_ARGUMENT naming the byte offset and the rule.
absl::Status CheckStrictJson(absl::string_view text);

}  // namespace trackd

#endif  // TRACKD_FUZZ_STRICT_JSON_H_
