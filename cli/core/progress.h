// A one-line progress report for long imports, redrawn in place on a
// terminal: records so far, rate, and (when the input size is known) percent
// done and time left.
//
// Example:
//   ProgressBar bar("experts", file_size, stderr, isatty(STDERR_FILENO));
//   ... bar.Update(records, bytes_read); ...
//   bar.Finish();
#ifndef SAMENSPEL_CLI_CORE_PROGRESS_H_
#define SAMENSPEL_CLI_CORE_PROGRESS_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace samenspel::cli {

// "experts: 12000 records, 2400/s, 45%, ETA 0:07". `total_bytes` <= 0: size
// unknown (no percent, no ETA).
std::string ProgressLine(absl::string_view label, int64_t records, int64_t bytes,
                         int64_t total_bytes, absl::Duration elapsed);

// Thread-compatible.
class ProgressBar {
 public:
  // Draws on `out` only when `enabled` (callers pass isatty(stderr), so
  // logs and pipes stay clean).
  ProgressBar(
      std::string label, int64_t total_bytes, FILE* out, bool enabled,
      std::function<absl::Time()> clock = [] { return absl::Now(); });

  // Redraws at most ten times a second.
  void Update(int64_t records, int64_t bytes);
  // Draws the final state and ends the line.
  void Finish();
  // Clears the line, so other output can be printed (a no-op when disabled).
  void Clear();

 private:
  void Draw();

  const std::string label_;
  const int64_t total_bytes_;
  FILE* const out_;
  const bool enabled_;
  const std::function<absl::Time()> clock_;
  const absl::Time start_;
  absl::Time last_draw_ = absl::InfinitePast();
  int64_t records_ = 0;
  int64_t bytes_ = 0;
};

}  // namespace samenspel::cli

#endif  // SAMENSPEL_CLI_CORE_PROGRESS_H_
