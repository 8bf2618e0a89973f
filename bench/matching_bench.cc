// MatchExperts latency, throughput and freshness through gRPC, against a
// running samenspel-matching that follows a running samenspel-registry. Run by
// bench/run_matching_bench.sh; results in RESULTS.md ("Matching").
//
// Modes (one per run of the program):
//   --wait_serving   polls the matching service's health until SERVING (the
//                    script times this for the cold start);
//   --list_all       reads every expert with ListExperts, 1000 per page, one
//                    page at a time like the service's snapshot load;
//   default          the measurements:
//     serial      every query `--rounds` times (after a warm-up pass), one
//                 call at a time: client latency, and the server's own time
//                 from the trailer `samenspel-server-time-us`;
//     concurrent  `--concurrency` callers, each on its own channel, for
//                 `--seconds`: latencies and calls per second;
//     freshness   `--freshness_writes` CreateExpert calls, each followed by
//                 MatchExperts for a word only that expert has, until the
//                 expert is in the answer: once with min_revision set to the
//                 write's revision (read-your-writes), once by polling
//                 without it (how soon the index has it on its own).
// Queries are inline challenges (title, description, required skills; with
// --full_challenges also themes, regions, owner, desired layers and
// perspectives), page_size 10.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "samenspel/matching/v1/matching_service.grpc.pb.h"
#include "samenspel/registry/v1/registry_service.grpc.pb.h"

ABSL_FLAG(std::string, matching, "127.0.0.1:50052", "Matching service address.");
ABSL_FLAG(std::string, registry, "127.0.0.1:50051",
          "Registry address (freshness, list_all).");
ABSL_FLAG(std::string, queries, "", "queries.jsonl of bench/matching_corpus.py.");
ABSL_FLAG(bool, wait_serving, false,
          "Only wait until the matching service's health is SERVING, then exit.");
ABSL_FLAG(bool, list_all, false, "Only time reading every expert with ListExperts.");
ABSL_FLAG(absl::Duration, timeout, absl::Minutes(15), "Longest wait in --wait_serving.");
ABSL_FLAG(int, rounds, 5, "Serial passes over the query set (0: none).");
ABSL_FLAG(int, warmup, -1, "Queries of the warm-up pass before them (-1: all).");
ABSL_FLAG(int, max_queries, -1, "Queries of the set to use, the first ones (-1: all).");
ABSL_FLAG(int, empty_calls, 2000,
          "Health Check calls timed as the gRPC floor (0: none).");
ABSL_FLAG(int, concurrency, 4, "Concurrent callers in the throughput phase (0: none).");
ABSL_FLAG(int, seconds, 10, "Duration of the throughput phase (0: none).");
ABSL_FLAG(int, freshness_writes, 200,
          "Writes per freshness phase (two phases; 0: none).");
ABSL_FLAG(std::string, organisation, "organisations/min-bzk",
          "Organisation of the experts the freshness phases write.");
ABSL_FLAG(
    bool, full_challenges, false,
    "Send the queries' themes, regions, owner and desired layers/perspectives too.");
ABSL_FLAG(std::string, label, "", "Prefix of the summary rows' measurement names.");
ABSL_FLAG(std::string, summary, "", "Summary file to append rows to (optional).");

namespace samenspel::bench {
namespace {

namespace mv1 = ::samenspel::matching::v1;
namespace rv1 = ::samenspel::registry::v1;
using MatchingStub = mv1::MatchingService::Stub;

grpc::ChannelArguments ChannelArgs(int channel) {
  grpc::ChannelArguments args;
  args.SetInt("samenspel.bench.channel",
              channel);  // distinct channels, distinct connections
  args.SetMaxReceiveMessageSize(64 << 20);
  // Reconnect quickly while a service is starting (the default backoff is 1 s).
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
  return args;
}

std::shared_ptr<grpc::Channel> Channel(const std::string& target, int channel) {
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   ChannelArgs(channel));
}

int WaitServing() {
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + absl::GetFlag(FLAGS_timeout);
  for (int attempt = 0; absl::Now() < deadline; ++attempt) {
    // A new channel (and subchannel) per attempt: one whose connection was
    // refused before the service listened waits out a reconnect backoff.
    auto health = grpc::health::v1::Health::NewStub(
        Channel(absl::GetFlag(FLAGS_matching), 1000000 + attempt));
    grpc::health::v1::HealthCheckRequest req;
    req.set_service("samenspel.matching.v1.MatchingService");
    grpc::health::v1::HealthCheckResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    if (health->Check(&ctx, req, &resp).ok() &&
        resp.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      std::printf("SERVING after %.2f s of waiting\n",
                  absl::ToDoubleSeconds(absl::Now() - start));
      return 0;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  Die("the matching service did not become SERVING in time");
}

int ListAll() {
  auto stub = rv1::RegistryService::NewStub(Channel(absl::GetFlag(FLAGS_registry), 0));
  rv1::ListExpertsRequest req;
  req.set_page_size(1000);
  int64_t experts = 0, bytes = 0;
  const absl::Time start = absl::Now();
  do {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    rv1::ListExpertsResponse resp;
    grpc::Status s = stub->ListExperts(&ctx, req, &resp);
    if (!s.ok()) Die(absl::StrCat("ListExperts: ", s.error_message()));
    experts += resp.experts_size();
    bytes += resp.ByteSizeLong();
    req.set_page_token(resp.next_page_token());
  } while (!req.page_token().empty());
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const std::string note = absl::StrFormat(
      "%lld experts, %.0f MB in %.2f s = %.0f experts/s", static_cast<long long>(experts),
      bytes / 1e6, seconds, experts / seconds);
  std::printf("ListExperts, all pages of 1000, one at a time: %s\n", note.c_str());
  AppendSummary(absl::GetFlag(FLAGS_summary),
                {"registry", "ListExperts all (snapshot read)", "-", "-", note});
  return 0;
}

struct Call {
  bool ok = false;
  double client_us = 0;
  double server_us = -1;  // -1: no trailer
  std::string error;
};

Call Match(MatchingStub& stub, const mv1::MatchExpertsRequest& req,
           mv1::MatchExpertsResponse* resp) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  Call call;
  const absl::Time begin = absl::Now();
  grpc::Status s = stub.MatchExperts(&ctx, req, resp);
  call.client_us = absl::ToDoubleMicroseconds(absl::Now() - begin);
  call.ok = s.ok();
  if (!s.ok()) call.error = s.error_message();
  const auto& trailers = ctx.GetServerTrailingMetadata();
  if (auto it = trailers.find("samenspel-server-time-us"); it != trailers.end()) {
    int64_t us;
    if (absl::SimpleAtoi(absl::string_view(it->second.data(), it->second.size()), &us)) {
      call.server_us = us;
    }
  }
  return call;
}

std::vector<mv1::MatchExpertsRequest> LoadQueries(const std::string& path, bool full) {
  std::vector<mv1::MatchExpertsRequest> out;
  ForEachJsonLine<rv1::Challenge>(path, [&](const rv1::Challenge& c) {
    mv1::MatchExpertsRequest req;
    req.set_page_size(10);
    rv1::Challenge* inline_challenge = req.mutable_challenge()->mutable_inline_();
    if (full) {
      *inline_challenge = c;
      inline_challenge->clear_name();
    } else {
      inline_challenge->set_title(c.title());
      inline_challenge->set_description(c.description());
      *inline_challenge->mutable_required_skills() = c.required_skills();
    }
    out.push_back(std::move(req));
  });
  if (out.empty()) Die(absl::StrCat(path, ": no queries"));
  return out;
}

struct Latencies {
  std::vector<double> client_us, server_us;
  int64_t errors = 0, no_trailer = 0;

  void Add(const Call& c) {
    if (!c.ok) {
      if (++errors <= 3) std::fprintf(stderr, "MatchExperts: %s\n", c.error.c_str());
      return;
    }
    client_us.push_back(c.client_us);
    if (c.server_us >= 0) {
      server_us.push_back(c.server_us);
    } else {
      ++no_trailer;
    }
  }
  void Merge(const Latencies& o) {
    client_us.insert(client_us.end(), o.client_us.begin(), o.client_us.end());
    server_us.insert(server_us.end(), o.server_us.begin(), o.server_us.end());
    errors += o.errors;
    no_trailer += o.no_trailer;
  }
  void Sort() {
    std::sort(client_us.begin(), client_us.end());
    std::sort(server_us.begin(), server_us.end());
  }
};

void Report(const std::string& phase, const Latencies& l, const std::string& note) {
  std::printf(
      "%-26s %7zu calls %4lld errors  server p50 %s p99 %s max %s ms  "
      "client p50 %s p99 %s ms  %s\n",
      phase.c_str(), l.client_us.size(), static_cast<long long>(l.errors),
      Ms(l.server_us, 0.5).c_str(), Ms(l.server_us, 0.99).c_str(),
      Ms(l.server_us, 1.0).c_str(), Ms(l.client_us, 0.5).c_str(),
      Ms(l.client_us, 0.99).c_str(), note.c_str());
  if (l.no_trailer > 0) {
    std::printf("  %lld answers without samenspel-server-time-us\n",
                static_cast<long long>(l.no_trailer));
  }
  const std::string label = absl::GetFlag(FLAGS_label);
  const std::string summary = absl::GetFlag(FLAGS_summary);
  AppendSummary(summary, {"samenspel", absl::StrCat(label, phase, ", server-side"),
                          Ms(l.server_us, 0.5), Ms(l.server_us, 0.99), note});
  AppendSummary(summary, {"samenspel", absl::StrCat(label, phase, ", client-side"),
                          Ms(l.client_us, 0.5), Ms(l.client_us, 0.99), note});
}

// Every query `rounds` times, one call at a time, after one warm-up pass.
Latencies Serial(MatchingStub& stub, const std::vector<mv1::MatchExpertsRequest>& queries,
                 int rounds) {
  Latencies l;
  int64_t matches = 0;
  const size_t warmup = std::min<size_t>(queries.size(), absl::GetFlag(FLAGS_warmup));
  for (size_t i = 0; i < warmup; ++i) {
    mv1::MatchExpertsResponse resp;
    const Call c = Match(stub, queries[i], &resp);
    if (!c.ok) Die(absl::StrCat("warm-up MatchExperts: ", c.error));
    matches += resp.matches_size();
  }
  std::printf("warm-up: %zu queries, %.1f matches per query (page_size 10)\n", warmup,
              static_cast<double>(matches) / std::max<size_t>(1, warmup));
  for (int r = 0; r < rounds; ++r) {
    for (const auto& q : queries) {
      mv1::MatchExpertsResponse resp;
      l.Add(Match(stub, q, &resp));
    }
  }
  l.Sort();
  return l;
}

// `threads` callers on their own channels for `duration`.
Latencies Concurrent(const std::vector<mv1::MatchExpertsRequest>& queries, int threads,
                     absl::Duration duration, double* calls_per_second) {
  std::vector<Latencies> per_thread(threads);
  std::vector<std::unique_ptr<MatchingStub>> stubs;
  for (int t = 0; t < threads; ++t) {
    // Connected before the clock starts, so the phase measures calls only.
    auto channel = Channel(absl::GetFlag(FLAGS_matching), t + 1);
    if (!channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(10)))) {
      Die(absl::StrCat("channel ", t + 1, " did not connect to the matching service"));
    }
    stubs.push_back(mv1::MatchingService::NewStub(channel));
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  const absl::Time start = absl::Now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      MatchingStub& stub = *stubs[t];
      for (size_t i = t * queries.size() / threads; !stop.load(); ++i) {
        mv1::MatchExpertsResponse resp;
        per_thread[t].Add(Match(stub, queries[i % queries.size()], &resp));
      }
    });
  }
  absl::SleepFor(duration);
  stop = true;
  for (auto& th : pool) th.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  Latencies l;
  for (const auto& p : per_thread) l.Merge(p);
  l.Sort();
  *calls_per_second = l.client_us.size() / seconds;
  return l;
}

// Latency of the gRPC health Check: the floor of any call on this machine.
std::vector<double> EmptyCalls(int n) {
  auto health =
      grpc::health::v1::Health::NewStub(Channel(absl::GetFlag(FLAGS_matching), 0));
  std::vector<double> us;
  for (int i = 0; i < n; ++i) {
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    grpc::ClientContext ctx;
    const absl::Time begin = absl::Now();
    if (!health->Check(&ctx, req, &resp).ok()) Die("health Check failed");
    us.push_back(absl::ToDoubleMicroseconds(absl::Now() - begin));
  }
  std::sort(us.begin(), us.end());
  return us;
}

// Write-ack -> visible, per write. With `min_revision`, each MatchExperts
// carries the write's revision; without it, the query is repeated (every
// 0.5 ms) until the expert shows up.
void Freshness(MatchingStub& matching, rv1::RegistryService::Stub& registry, int writes,
               bool min_revision, const std::string& run) {
  std::vector<double> visible_us, write_us;
  int64_t calls = 0;
  // Write 0 is not recorded: it waits out any backlog of earlier writes.
  for (int i = 0; i <= writes; ++i) {
    const bool warmup = i == 0;
    const std::string marker = absl::StrCat("zqx", run, min_revision ? "r" : "p", i);
    rv1::CreateExpertRequest create;
    create.set_expert_id(absl::StrCat("fresh-", run, min_revision ? "-r-" : "-p-", i));
    rv1::Expert* e = create.mutable_expert();
    e->set_display_name(absl::StrCat("Versheid ", i));
    e->set_organisation(absl::GetFlag(FLAGS_organisation));
    e->set_job_title("beleidsadviseur wonen");
    e->set_bio(absl::StrCat("Werkt aan de regionale woningbouwopgave en ", marker, "."));
    for (const std::string& name : {marker, std::string("woningbouwprogrammering")}) {
      auto* skill = e->add_skills();
      skill->set_name(name);
      skill->set_level(4);
    }
    e->add_themes("wonen");
    e->add_region_codes("NL");
    e->set_available_hours_per_week(8);
    e->set_consent_to_matching(true);

    mv1::MatchExpertsRequest query;
    query.set_page_size(10);
    query.mutable_challenge()->mutable_inline_()->set_title(marker);
    auto* req_skill = query.mutable_challenge()->mutable_inline_()->add_required_skills();
    req_skill->set_name(marker);
    req_skill->set_min_level(1);

    rv1::Expert created;
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    const absl::Time begin = absl::Now();
    grpc::Status s = registry.CreateExpert(&ctx, create, &created);
    const absl::Time ack = absl::Now();
    if (!s.ok()) Die(absl::StrCat("CreateExpert: ", s.error_message()));
    if (min_revision) query.set_min_revision(created.revision());
    for (;;) {
      mv1::MatchExpertsResponse resp;
      const Call c = Match(matching, query, &resp);
      if (!c.ok && !warmup) Die(absl::StrCat("freshness MatchExperts: ", c.error));
      const bool found = std::any_of(
          resp.matches().begin(), resp.matches().end(),
          [&](const mv1::ExpertMatch& m) { return m.expert() == created.name(); });
      if (found) break;
      if (absl::Now() - ack > absl::Seconds(warmup ? 120 : 10)) {
        Die("a written expert stayed invisible for too long");
      }
      absl::SleepFor(absl::Microseconds(500));
      calls += !warmup;
    }
    if (warmup) continue;
    write_us.push_back(absl::ToDoubleMicroseconds(ack - begin));
    ++calls;
    visible_us.push_back(absl::ToDoubleMicroseconds(absl::Now() - ack));
    absl::SleepFor(absl::Milliseconds(10));  // writes arrive one by one, not in a burst
  }
  std::sort(visible_us.begin(), visible_us.end());
  std::sort(write_us.begin(), write_us.end());
  const std::string phase =
      min_revision ? "freshness, min_revision" : "freshness, polling";
  const std::string note = absl::StrFormat(
      "%d writes, %.2f MatchExperts calls each; CreateExpert p50 %s p99 %s ms", writes,
      static_cast<double>(calls) / writes, Ms(write_us, 0.5), Ms(write_us, 0.99));
  std::printf("%-26s write-ack -> visible p50 %s p99 %s max %s ms  (%s)\n", phase.c_str(),
              Ms(visible_us, 0.5).c_str(), Ms(visible_us, 0.99).c_str(),
              Ms(visible_us, 1.0).c_str(), note.c_str());
  AppendSummary(
      absl::GetFlag(FLAGS_summary),
      {"samenspel",
       absl::StrCat(absl::GetFlag(FLAGS_label), phase, ": write-ack -> visible"),
       Ms(visible_us, 0.5), Ms(visible_us, 0.99), note});
}

int Main() {
  if (absl::GetFlag(FLAGS_wait_serving)) return WaitServing();
  if (absl::GetFlag(FLAGS_list_all)) return ListAll();
  if (absl::GetFlag(FLAGS_queries).empty()) Die("--queries is required");
  auto queries =
      LoadQueries(absl::GetFlag(FLAGS_queries), absl::GetFlag(FLAGS_full_challenges));
  queries.resize(std::min<size_t>(queries.size(), absl::GetFlag(FLAGS_max_queries)));
  auto matching =
      mv1::MatchingService::NewStub(Channel(absl::GetFlag(FLAGS_matching), 0));

  if (const int n = absl::GetFlag(FLAGS_empty_calls); n > 0) {
    const std::vector<double> empty = EmptyCalls(n);
    std::printf("gRPC floor (health Check, 1 caller): p50 %s p99 %s ms\n",
                Ms(empty, 0.5).c_str(), Ms(empty, 0.99).c_str());
    AppendSummary(absl::GetFlag(FLAGS_summary),
                  {"grpc", "empty call (health Check), 1 caller", Ms(empty, 0.5),
                   Ms(empty, 0.99), "the floor of any client-side latency"});
  }

  Latencies serial;
  if (const int rounds = absl::GetFlag(FLAGS_rounds); rounds > 0) {
    serial = Serial(*matching, queries, rounds);
    Report("MatchExperts 1 caller", serial,
           absl::StrFormat("%zu queries x %d rounds", queries.size(), rounds));
  }

  const int threads = absl::GetFlag(FLAGS_concurrency);
  Latencies concurrent;
  if (threads > 0 && absl::GetFlag(FLAGS_seconds) > 0) {
    double qps = 0;
    concurrent =
        Concurrent(queries, threads, absl::Seconds(absl::GetFlag(FLAGS_seconds)), &qps);
    Report(absl::StrCat("MatchExperts ", threads, " callers"), concurrent,
           absl::StrFormat("%.0f calls/s", qps));
  }

  const int writes = absl::GetFlag(FLAGS_freshness_writes);
  if (writes > 0) {
    auto registry =
        rv1::RegistryService::NewStub(Channel(absl::GetFlag(FLAGS_registry), 0));
    const std::string run = absl::StrCat(absl::ToUnixMillis(absl::Now()) % 100000000);
    Freshness(*matching, *registry, writes, /*min_revision=*/true, run);
    Freshness(*matching, *registry, writes, /*min_revision=*/false, run);
  }
  return serial.errors + concurrent.errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace samenspel::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return samenspel::bench::Main();
}
