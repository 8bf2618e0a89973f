#include "cli/core/progress.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace samenspel::cli {

std::string ProgressLine(absl::string_view label, int64_t records, int64_t bytes,
                         int64_t total_bytes, absl::Duration elapsed) {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  std::string line = absl::StrCat(label, ": ", records, " records");
  if (seconds > 0)
    absl::StrAppend(&line, ", ", static_cast<int64_t>(records / seconds), "/s");
  if (total_bytes > 0) {
    const double fraction = std::min(1.0, static_cast<double>(bytes) / total_bytes);
    absl::StrAppend(&line, absl::StrFormat(", %.0f%%", fraction * 100));
    if (fraction > 0 && fraction < 1) {
      const int64_t left = static_cast<int64_t>(seconds * (1 - fraction) / fraction);
      absl::StrAppend(&line, absl::StrFormat(", ETA %d:%02d", left / 60, left % 60));
    }
  }
  return line;
}

ProgressBar::ProgressBar(std::string label, int64_t total_bytes, FILE* out, bool enabled,
                         std::function<absl::Time()> clock)
    : label_(std::move(label)),
      total_bytes_(total_bytes),
      out_(out),
      enabled_(enabled),
      clock_(std::move(clock)),
      start_(clock_()) {}

void ProgressBar::Update(int64_t records, int64_t bytes) {
  records_ = records;
  bytes_ = bytes;
  if (enabled_ && clock_() - last_draw_ >= absl::Milliseconds(100)) Draw();
}

void ProgressBar::Finish() {
  if (!enabled_) return;
  Draw();
  std::fputc('\n', out_);
  std::fflush(out_);
}

void ProgressBar::Clear() {
  if (!enabled_) return;
  std::fputs("\r\033[K", out_);
  last_draw_ = absl::InfinitePast();  // Redraw at the next update.
}

void ProgressBar::Draw() {
  last_draw_ = clock_();
  const std::string line =
      ProgressLine(label_, records_, bytes_, total_bytes_, last_draw_ - start_);
  // Back to the start of the line and clear it, then draw.
  std::fprintf(out_, "\r\033[K%s", line.c_str());
  std::fflush(out_);
}

}  // namespace samenspel::cli
