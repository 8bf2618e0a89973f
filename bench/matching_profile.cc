// Where the matching service's time and memory go, measured in process on the
// benchmark corpus: the same Matcher samenspel-matching runs, without gRPC and
// without the registry. Run by bench/run_matching_bench.sh with PERF=1 (under
// `perf record`), or by hand:
//   build/bench/matching_profile --corpus=/tmp/samenspel-matching-corpus-100000
//
// It reports:
//   load    the cold start's parts: parsing the experts (the service gets them
//           from ListExperts instead), analysing them (ExpertIndex::Analyze),
//           building a segment from the analysed docs, and Matcher::Load,
//           which does both of the last two;
//   freshness  the index's cost of one more write as its delta grows, and of
//           a merge (the writer applies changes in order, so a write that
//           arrives during a merge waits for it);
//   memory  heap in use (mallinfo2) with the expert protos alone, with the
//           loaded index alone (protos freed), and the process RSS before and
//           after malloc_trim(0): what the index needs, and what the
//           allocator keeps after the snapshot's protos are freed;
//   queries per query of the set: analysed query terms, postings the text
//           scoring visits (the sum of the terms' document frequencies) and
//           distinct experts it touches, each of which then gets every score
//           component computed;
//   latency Matcher::MatchExperts, one thread, no gRPC: p50/p99.
//
// Timings on a shared machine vary by 20% from one run of the same binary to
// the next. To compare two builds by what they do rather than by how long it
// took, count the instructions of the queries alone under callgrind (the load
// runs uninstrumented; the queries' first pass is instrumented):
//   valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.out
//       build/bench/matching_profile --corpus=... --rounds=0   (one command)
//   callgrind_annotate /tmp/cg.out | head   # "PROGRAM TOTALS": Ir of 200 queries
#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#endif

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "matching-service/analysis/analyzer.h"
#include "matching-service/core/expert_index.h"
#include "matching-service/core/matcher.h"
#include "matching-service/core/region.h"

ABSL_FLAG(std::string, corpus, "", "Folder of bench/matching_corpus.py.");
ABSL_FLAG(int, rounds, 2, "Passes over the query set for the in-process latency.");
ABSL_FLAG(bool, decompose, true,
          "Also time analysis, segment building, delta writes and a merge on their own.");
ABSL_FLAG(int, pause_us, 0,
          "Sleep between in-process queries, as a server idles between one client's "
          "calls (0: back to back).");
ABSL_FLAG(int, max_queries, 200, "Queries of the set to use (the first ones).");
ABSL_FLAG(int, updated_before_queries, 0,
          "Experts (the first ones) sent again as updates after the load and before "
          "the queries: their old copies die in the base and the new ones go to the "
          "delta, as on a replica that followed updates (at most the delta's size "
          "before a merge, base/8 + 1000).");
ABSL_FLAG(bool, prune, true,
          "MatcherOptions::prune_candidates (false: score every term of every query, "
          "to compare the rankings with --results_out).");
ABSL_FLAG(int, query_threads, 0, "MatcherOptions::query_threads (0: one per core).");
ABSL_FLAG(int, rerank_pool, samenspel::matching::MatcherOptions().rerank_pool,
          "MatcherOptions::rerank_pool.");
ABSL_FLAG(bool, lazy_rerank, true,
          "MatcherOptions::lazy_rerank (false: every query scores the whole re-ranking "
          "pool, to compare the rankings with --results_out).");
ABSL_FLAG(int, compare_query_threads, 0,
          "When > 0: a second Matcher with this many query threads, queried "
          "alternately with the first (side by side, on the same machine state); "
          "latencies of both, and a check that their rankings agree.");
ABSL_FLAG(std::string, results_out, "",
          "Write every query's ranked experts with their scores to this file, to "
          "check that a change keeps the rankings exactly.");
ABSL_FLAG(std::string, responses_out, "",
          "Write every query's whole response (the explanations too), one per line in "
          "protobuf text format, to this file, to check that a change keeps them "
          "exactly.");

namespace samenspel::bench {
namespace {

namespace rv1 = ::samenspel::registry::v1;
namespace mv1 = ::samenspel::matching::v1;
using matching::Matcher;

// Heap in use: allocated from the arenas, and allocated as own mappings.
double HeapMiB() {
  const struct mallinfo2 m = mallinfo2();
  return (m.uordblks + m.hblkhd) / 1048576.0;
}

double RssMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  }
  return 0;
}

double Seconds(absl::Time since) { return absl::ToDoubleSeconds(absl::Now() - since); }

// Analysis and segment building alone, as Matcher::Load does them; then, on
// an ExpertIndex over the same docs, what one more write costs (Apply of one
// expert) as the delta grows, and what a merge of base and delta costs.
void Decompose(const matching::Analyzer& analyzer,
               const std::vector<rv1::Expert>& experts) {
  matching::ExpertIndex index(&analyzer, {});
  const double heap_before = HeapMiB();
  absl::Time start = absl::Now();
  std::vector<matching::Segment::Doc> docs;
  docs.reserve(experts.size());
  size_t terms = 0;
  for (const auto& e : experts) {
    docs.push_back(index.Analyze(e));
    terms += docs.back().terms.size();
  }
  const double analyse = Seconds(start);
  const double docs_mib = HeapMiB() - heap_before;
  std::vector<matching::Segment::Doc> copy = docs;
  start = absl::Now();
  auto segment = matching::Segment::Build(std::move(copy));
  const double build = Seconds(start);
  std::printf(
      "load: analyse %.2f s (%.1f us/expert, %.1f distinct terms/expert, docs %.0f MiB)\n"
      "load: build segment %.2f s (%zu postings)\n",
      analyse, analyse * 1e6 / experts.size(),
      static_cast<double>(terms) / experts.size(), docs_mib, build,
      segment->postings_count());
  segment.reset();

  // The delta may grow to max_delta_docs, or base/8 + 1000, before a merge.
  const size_t n = docs.size();
  const size_t limit =
      std::min<size_t>(matching::ExpertIndexOptions{}.max_delta_docs, n / 8 + 1000) - 100;
  index.Load(matching::Segment::Build(std::move(docs)), 1);
  int64_t revision = 1;
  size_t delta = 0;
  std::string costs;
  for (size_t target : {size_t{0}, limit / 4, limit / 2, limit}) {
    for (std::vector<matching::ExpertIndex::Update> batch; delta < target;
         batch.clear()) {
      for (; delta < target && batch.size() < 1000; ++delta) {
        batch.push_back({experts[delta].name(), index.Analyze(experts[delta])});
      }
      index.Apply(std::move(batch), ++revision);
    }
    std::vector<double> ms;
    for (int i = 0; i < 21; ++i) {
      const rv1::Expert& e = experts[n - 1 - i];
      std::vector<matching::ExpertIndex::Update> one;
      one.push_back({e.name(), index.Analyze(e)});
      const absl::Time begin = absl::Now();
      index.Apply(std::move(one), ++revision);
      ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - begin));
    }
    std::sort(ms.begin(), ms.end());
    absl::StrAppendFormat(&costs, "%s%.2f ms at %zu", costs.empty() ? "" : ", ", ms[10],
                          target + 21);
  }
  std::printf(
      "freshness: ExpertIndex::Apply of one expert (median of 21) by delta size: %s\n",
      costs.c_str());
  const auto snap = index.Snapshot();
  start = absl::Now();
  auto merged = matching::Segment::Merge(*snap->base, *snap->base_dead, *snap->delta);
  std::printf("freshness: merging base and delta (%zu + %zu experts) takes %.2f s\n",
              snap->base->size(), snap->delta->size(), Seconds(start));
}

std::vector<mv1::MatchExpertsRequest> Queries(const std::string& path) {
  std::vector<mv1::MatchExpertsRequest> out;
  ForEachJsonLine<rv1::Challenge>(path, [&](const rv1::Challenge& c) {
    mv1::MatchExpertsRequest req;
    req.set_page_size(10);
    rv1::Challenge* q = req.mutable_challenge()->mutable_inline_();
    q->set_title(c.title());
    q->set_description(c.description());
    *q->mutable_required_skills() = c.required_skills();
    out.push_back(std::move(req));
  });
  return out;
}

// Terms, postings and touched experts of each query, as the text scoring
// sees them (title, description and skill names through AnalyzeQuery).
void QueryStats(const matching::Analyzer& analyzer, const matching::IndexSnapshot& index,
                const std::vector<mv1::MatchExpertsRequest>& queries) {
  std::vector<bool> touched(index.doc_count());
  double terms = 0, distinct_terms = 0, postings = 0, common_postings = 0, docs = 0;
  for (const auto& req : queries) {
    const rv1::Challenge& c = req.challenge().inline_();
    std::vector<std::string> texts{c.title(), c.description()};
    for (const auto& s : c.required_skills()) texts.push_back(s.name());
    absl::flat_hash_set<matching::TermId> ids;
    for (const std::string& text : texts) {
      for (const matching::AnalyzedTerm& t : analyzer.AnalyzeQuery(text)) {
        ++terms;
        ids.insert(matching::HashTerm(t.term));
      }
    }
    std::fill(touched.begin(), touched.end(), false);
    for (matching::TermId id : ids) {
      const size_t df = index.DocFreq(id);
      postings += df;
      if (df * 10 > index.doc_count()) common_postings += df;
      for (const auto* segment : {index.base.get(), index.delta.get()}) {
        const matching::PostingList list = segment->Postings(id);
        const uint32_t offset = segment == index.base.get() ? 0 : index.base->size();
        for (uint32_t i = 0; i < list.size; ++i) touched[list.docs[i] + offset] = true;
      }
    }
    distinct_terms += ids.size();
    docs += std::count(touched.begin(), touched.end(), true);
  }
  const double n = queries.size();
  std::printf(
      "queries: %.1f analysed terms (%.1f distinct), %.0f postings visited (%.0f%% of "
      "them "
      "in terms of more than 10%% of the experts), %.0f experts touched (%.1f%% of %u) "
      "per "
      "query\n",
      terms / n, distinct_terms / n, postings / n, 100 * common_postings / postings,
      docs / n, 100 * docs / n / index.doc_count(), index.doc_count());
}

int Main() {
  const std::string dir = absl::GetFlag(FLAGS_corpus);
  if (dir.empty()) Die("--corpus is required");
  matching::AnalyzerOptions analyzer_options;
  auto analyzer = matching::Analyzer::Create(analyzer_options);
  if (!analyzer.ok()) Die(analyzer.status().ToString());
  auto regions = matching::RegionTable::Load(analyzer_options.data_dir + "/regions.tsv");
  if (!regions.ok()) Die(regions.status().ToString());

  const double heap0 = HeapMiB();
  absl::Time start = absl::Now();
  std::vector<rv1::Organisation> organisations;
  ForEachJsonLine<rv1::Organisation>(
      dir + "/organisations.jsonl",
      [&](rv1::Organisation o) { organisations.push_back(std::move(o)); });
  absl::flat_hash_map<std::string, samenspel::type::v1::GovernmentLayer> layers;
  for (const auto& o : organisations) layers[o.name()] = o.layer();
  std::vector<rv1::Expert> experts;
  ForEachJsonLine<rv1::Expert>(dir + "/experts.jsonl", [&](rv1::Expert e) {
    e.set_layer(layers[e.organisation()]);  // output only: the registry sets it
    experts.push_back(std::move(e));
  });
  const double n = experts.size();
  const double protos_mib = HeapMiB() - heap0;
  std::printf(
      "load: parse %.0f experts from JSON %.2f s; the protos take %.0f MiB of heap "
      "(%.0f bytes/expert)\n",
      n, Seconds(start), protos_mib, protos_mib * 1048576 / n);
  if (absl::GetFlag(FLAGS_decompose)) Decompose(**analyzer, experts);

  matching::MatcherOptions options;
  options.prune_candidates = absl::GetFlag(FLAGS_prune);
  options.query_threads = absl::GetFlag(FLAGS_query_threads);
  options.rerank_pool = absl::GetFlag(FLAGS_rerank_pool);
  options.lazy_rerank = absl::GetFlag(FLAGS_lazy_rerank);
  std::unique_ptr<Matcher> other;
  if (const int threads = absl::GetFlag(FLAGS_compare_query_threads); threads > 0) {
    matching::MatcherOptions other_options = options;
    other_options.query_threads = threads;
    other = std::make_unique<Matcher>(analyzer->get(), *regions, other_options);
    other->Load(organisations, experts, {}, {}, /*revision=*/1);
  }
  Matcher matcher(analyzer->get(), *std::move(regions), options);
  start = absl::Now();
  matcher.Load(organisations, experts, {}, {}, /*revision=*/1);
  const double load_seconds = Seconds(start);
  if (const int updated = std::min<int>(absl::GetFlag(FLAGS_updated_before_queries),
                                        static_cast<int>(experts.size()));
      updated > 0) {
    std::vector<rv1::Change> changes;
    for (int i = 0; i < updated; ++i) {
      rv1::Change& c = changes.emplace_back();
      c.set_revision(2 + i);
      c.set_type(rv1::Change::UPDATED);
      c.set_name(experts[i].name());
      *c.mutable_expert() = experts[i];
    }
    start = absl::Now();
    matcher.Apply(changes);
    std::printf("load: %d experts updated after the load (%.2f s); delta %zu experts\n",
                updated, Seconds(start), matcher.State()->index->delta->size());
  }
  const double heap_with_protos = HeapMiB() - heap0;
  std::vector<rv1::Expert>().swap(experts);
  const double index_mib = HeapMiB() - heap0;
  const double rss = RssMiB();
  malloc_trim(0);
  std::printf(
      "load: Matcher::Load %.2f s (%.1f us/expert)\n"
      "memory: heap in use %.0f MiB with the protos, %.0f MiB index alone = %.0f "
      "bytes/expert; "
      "RSS %.0f MiB, %.0f MiB after malloc_trim(0)\n",
      load_seconds, load_seconds * 1e6 / n, heap_with_protos, index_mib,
      index_mib * 1048576 / n, rss, RssMiB());

  auto queries = Queries(dir + "/queries.jsonl");
  queries.resize(std::min<size_t>(queries.size(), absl::GetFlag(FLAGS_max_queries)));
  const auto state = matcher.State();
  QueryStats(**analyzer, *state->index, queries);

  // Wall time, and the thread's CPU time: on a machine shared with other
  // work the second shows what a query costs without waiting for a core.
  auto cpu_us = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
  };
  std::vector<double> us, cpu, other_us;
  size_t disagreements = 0;
  const std::string results_path = absl::GetFlag(FLAGS_results_out);
  FILE* results = results_path.empty() ? nullptr : std::fopen(results_path.c_str(), "w");
  const std::string responses_path = absl::GetFlag(FLAGS_responses_out);
  FILE* responses =
      responses_path.empty() ? nullptr : std::fopen(responses_path.c_str(), "w");
  const int rounds = absl::GetFlag(FLAGS_rounds);
  const absl::Duration pause = absl::Microseconds(absl::GetFlag(FLAGS_pause_us));
  // Under callgrind (--instr-atstart=no) the first pass over the queries is
  // what gets counted; elsewhere these do nothing.
  CALLGRIND_START_INSTRUMENTATION;
  for (int r = -1; r < rounds; ++r) {
    if (r == 0) CALLGRIND_STOP_INSTRUMENTATION;
    for (const auto& q : queries) {
      if (pause > absl::ZeroDuration()) absl::SleepFor(pause);
      const absl::Time begin = absl::Now();
      const double cpu_begin = cpu_us();
      auto response = matcher.MatchExperts(q);
      const double elapsed = absl::ToDoubleMicroseconds(absl::Now() - begin);
      if (r >= 0) cpu.push_back(cpu_us() - cpu_begin);
      if (!response.ok()) Die(response.status().ToString());
      if (results && r == 0) {
        for (const auto& m : response->matches())
          std::fprintf(results, "%s %.9f\n", m.expert().c_str(), m.score());
      }
      if (responses && r == 0) {
        std::fprintf(responses, "%s\n", response->ShortDebugString().c_str());
      }
      if (r >= 0) us.push_back(elapsed);
      if (other) {
        const absl::Time other_begin = absl::Now();
        auto other_response = other->MatchExperts(q);
        if (r >= 0)
          other_us.push_back(absl::ToDoubleMicroseconds(absl::Now() - other_begin));
        if (!other_response.ok()) Die(other_response.status().ToString());
        for (int i = 0; i < response->matches_size(); ++i) {
          disagreements +=
              i >= other_response->matches_size() ||
              response->matches(i).expert() != other_response->matches(i).expert();
        }
      }
    }
  }
  CALLGRIND_STOP_INSTRUMENTATION;
  if (results) std::fclose(results);
  if (responses) std::fclose(responses);
  std::sort(us.begin(), us.end());
  std::sort(cpu.begin(), cpu.end());
  std::printf(
      "latency: Matcher::MatchExperts in process, 1 thread: p50 %s p99 %s ms; "
      "thread CPU time p50 %s p99 %s ms (%zu queries x %d rounds; %llu times a query "
      "scored more candidates than at first)\n",
      Ms(us, 0.5).c_str(), Ms(us, 0.99).c_str(), Ms(cpu, 0.5).c_str(),
      Ms(cpu, 0.99).c_str(), queries.size(), rounds,
      static_cast<unsigned long long>(matcher.rerank_retries()));
  if (other) {
    std::sort(other_us.begin(), other_us.end());
    std::printf(
        "latency with %d query threads, queried alternately with the above: p50 %s p99 "
        "%s "
        "ms; %zu ranked places differ\n",
        absl::GetFlag(FLAGS_compare_query_threads), Ms(other_us, 0.5).c_str(),
        Ms(other_us, 0.99).c_str(), disagreements);
  }
  return 0;
}

}  // namespace
}  // namespace samenspel::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return samenspel::bench::Main();
}
