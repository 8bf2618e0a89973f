// UTF-8 text checks shared by the registry's validation and the CLI's input
// readers.
#ifndef SAMENSPEL_COMMON_UTF8_H_
#define SAMENSPEL_COMMON_UTF8_H_

#include <string>

#include "absl/strings/string_view.h"

namespace samenspel {

// Number of code points in valid UTF-8, or -1 when `s` is not valid UTF-8
// (overlong forms and surrogates included) or holds control characters other
// than tab, newline and carriage return.
int Utf8Length(absl::string_view s);

// The code points of `s`, which must be valid UTF-8 (Utf8Length(s) >= 0).
std::u32string Utf8CodePoints(absl::string_view s);

}  // namespace samenspel

#endif  // SAMENSPEL_COMMON_UTF8_H_
