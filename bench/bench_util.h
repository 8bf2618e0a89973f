// Helpers the benchmark programs share: reading a JSON Lines corpus
// (bench/matching_corpus.py), percentiles, and the summary file that
// bench/run_matching_bench.sh prints as one table at the end of a run.
//
// Benchmarks, not services: a bad corpus or a failed call ends the program
// with a message (exit code 1) instead of an error status.
//
// Example:
//   bench::ForEachJsonLine<registry::v1::Expert>(path, [&](registry::v1::Expert e) { ...
//   }); std::sort(us.begin(), us.end()); bench::AppendSummary(summary, {"xapian", "query
//   (1 thread)", bench::Ms(us, 0.5),
//                                  bench::Ms(us, 0.99), "top 10, BM25"});
#ifndef SAMENSPEL_BENCH_BENCH_UTIL_H_
#define SAMENSPEL_BENCH_BENCH_UTIL_H_

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"

namespace samenspel::bench {

[[noreturn]] inline void Die(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::exit(1);
}

// The p-quantile (0..1) of `sorted` (ascending); 0 when empty.
inline double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()))];
}

// The p-quantile of microsecond latencies, in milliseconds, as text.
inline std::string Ms(const std::vector<double>& sorted_us, double p) {
  return absl::StrFormat("%.3f", Percentile(sorted_us, p) / 1000);
}

// Parses one line of protobuf canonical JSON; dies naming `where` on error.
template <typename T>
T ParseJson(const std::string& line, const std::string& where) {
  T message;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(line, &message, options);
  if (!status.ok()) Die(absl::StrCat(where, ": ", status.ToString()));
  return message;
}

// Calls fn(T) for every non-empty line of `path`.
template <typename T, typename Fn>
void ForEachJsonLine(const std::string& path, Fn fn) {
  std::ifstream in(path);
  if (!in) Die(absl::StrCat("cannot read ", path));
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty()) fn(ParseJson<T>(line, absl::StrCat(path, ":", number)));
  }
}

// One row of the summary table: what was measured and its numbers.
struct SummaryRow {
  std::string component;  // "samenspel", "xapian", "sqlite-fts5", "registry"
  std::string measurement;
  std::string p50_ms;  // "-" when not a latency
  std::string p99_ms;
  std::string note;  // throughput, sizes, ...
};

// Appends `row` as one tab-separated line to `path` (nothing when empty).
inline void AppendSummary(const std::string& path, const SummaryRow& row) {
  if (path.empty()) return;
  std::ofstream out(path, std::ios::app);
  out << row.component << '\t' << row.measurement << '\t' << row.p50_ms << '\t'
      << row.p99_ms << '\t' << row.note << '\n';
  if (!out) Die(absl::StrCat("cannot write ", path));
}

}  // namespace samenspel::bench

#endif  // SAMENSPEL_BENCH_BENCH_UTIL_H_
