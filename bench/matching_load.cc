// Loads a matching-benchmark corpus (bench/matching_corpus.py) into a real
// registry: every organisation with CreateOrganisation, then the experts with
// BatchCreateExperts, `--batch` per call from `--concurrency` callers. Run by
// bench/run_matching_bench.sh before the matching service starts.
//
// The corpus is streamed: a caller takes the next `--batch` lines under a
// lock and parses them itself, so parsing runs in parallel with the calls and
// memory stays small at a million experts.
//
// Every expert has a request_id, so a batch is idempotent: a call that failed
// with UNAVAILABLE (which may or may not have been applied) is sent again, up
// to kAttempts times, and a batch that was applied replays.
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "grpcpp/create_channel.h"
#include "samenspel/registry/v1/registry_service.grpc.pb.h"

ABSL_FLAG(std::string, registry, "127.0.0.1:50051", "Registry address.");
ABSL_FLAG(
    std::string, corpus, "",
    "Folder with organisations.jsonl and experts.jsonl (bench/matching_corpus.py).");
ABSL_FLAG(int, concurrency, 4, "Concurrent BatchCreateExperts callers.");
ABSL_FLAG(int, batch, 1000,
          "Experts per BatchCreateExperts call (the registry allows 1000).");
ABSL_FLAG(std::string, summary, "", "Summary file to append a row to (optional).");

namespace samenspel::bench {
namespace {

namespace v1 = ::samenspel::registry::v1;

std::unique_ptr<v1::RegistryService::Stub> NewStub(int channel) {
  grpc::ChannelArguments args;
  args.SetInt("samenspel.bench.channel",
              channel);  // distinct channels, distinct connections
  args.SetMaxReceiveMessageSize(64 << 20);
  return v1::RegistryService::NewStub(grpc::CreateCustomChannel(
      absl::GetFlag(FLAGS_registry), grpc::InsecureChannelCredentials(), args));
}

constexpr int kAttempts = 5;

std::string IdOf(const std::string& name) { return name.substr(name.find('/') + 1); }

void LoadOrganisations(v1::RegistryService::Stub& stub, const std::string& path) {
  int created = 0;
  ForEachJsonLine<v1::Organisation>(path, [&](v1::Organisation org) {
    v1::CreateOrganisationRequest req;
    req.set_organisation_id(IdOf(org.name()));
    org.clear_name();
    *req.mutable_organisation() = std::move(org);
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    v1::Organisation out;
    grpc::Status s = stub.CreateOrganisation(&ctx, req, &out);
    if (s.ok()) {
      ++created;
    } else if (s.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
      Die(absl::StrCat("CreateOrganisation ", req.organisation_id(), ": ",
                       s.error_message()));
    }
  });
  std::printf("organisations: %d created\n", created);
}

int Main() {
  const std::string dir = absl::GetFlag(FLAGS_corpus);
  const int threads = absl::GetFlag(FLAGS_concurrency);
  const int batch = absl::GetFlag(FLAGS_batch);
  if (dir.empty()) Die("--corpus is required");
  LoadOrganisations(*NewStub(0), dir + "/organisations.jsonl");

  std::ifstream in(dir + "/experts.jsonl");
  if (!in) Die(absl::StrCat("cannot read ", dir, "/experts.jsonl"));
  std::mutex in_mu;
  int64_t next_line = 0;
  std::atomic<int64_t> loaded{0};
  std::atomic<int> retries{0};
  std::vector<std::vector<double>> call_us(threads);
  const absl::Time start = absl::Now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto stub = NewStub(t + 1);
      std::vector<std::string> lines;
      for (;;) {
        int64_t first;
        lines.clear();
        {
          std::lock_guard<std::mutex> lock(in_mu);
          first = next_line;
          std::string line;
          while (static_cast<int>(lines.size()) < batch && std::getline(in, line)) {
            lines.push_back(std::move(line));
          }
          next_line += lines.size();
        }
        if (lines.empty()) return;
        v1::BatchCreateExpertsRequest req;
        for (size_t i = 0; i < lines.size(); ++i) {
          auto expert = ParseJson<v1::Expert>(
              lines[i], absl::StrCat("experts.jsonl:", first + i + 1));
          v1::CreateExpertRequest* item = req.add_requests();
          item->set_expert_id(IdOf(expert.name()));
          item->set_request_id(absl::StrCat("bench-load-", item->expert_id()));
          expert.clear_name();
          *item->mutable_expert() = std::move(expert);
        }
        v1::BatchCreateExpertsResponse out;
        grpc::Status s;
        for (int attempt = 1;; ++attempt) {
          grpc::ClientContext ctx;
          ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
          const absl::Time begin = absl::Now();
          s = stub->BatchCreateExperts(&ctx, req, &out);
          call_us[t].push_back(absl::ToDoubleMicroseconds(absl::Now() - begin));
          if (s.error_code() != grpc::StatusCode::UNAVAILABLE || attempt == kAttempts)
            break;
          ++retries;
          absl::SleepFor(absl::Milliseconds(100) * attempt);
        }
        if (!s.ok()) {
          Die(absl::StrCat("BatchCreateExperts at line ", first + 1, ": ",
                           s.error_message()));
        }
        const int64_t done = loaded += out.experts_size();
        if (done / 100000 != (done - out.experts_size()) / 100000) {
          std::fprintf(stderr, "  %lld experts, %.0f s\n", static_cast<long long>(done),
                       absl::ToDoubleSeconds(absl::Now() - start));
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::vector<double> us;
  for (const auto& v : call_us) us.insert(us.end(), v.begin(), v.end());
  std::sort(us.begin(), us.end());
  const std::string rate =
      absl::StrFormat("%lld experts in %.1f s = %.0f experts/s",
                      static_cast<long long>(loaded.load()), seconds, loaded / seconds);
  std::printf(
      "experts: %s (%d callers, %d per call; call p50 %s ms, p99 %s ms; %d retries)\n",
      rate.c_str(), threads, batch, Ms(us, 0.5).c_str(), Ms(us, 0.99).c_str(),
      retries.load());
  AppendSummary(
      absl::GetFlag(FLAGS_summary),
      {"registry", absl::StrCat("BatchCreateExperts x", batch, ", ", threads, " callers"),
       Ms(us, 0.5), Ms(us, 0.99), rate});
  return 0;
}

}  // namespace
}  // namespace samenspel::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return samenspel::bench::Main();
}
