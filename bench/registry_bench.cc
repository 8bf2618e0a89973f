// Registry throughput and latency through gRPC: CreateExpert, GetExpert and
// ListExperts from `--concurrency` callers for `--seconds` each. Run by
// bench/run_registry_bench.sh next to redis-benchmark; results in RESULTS.md.
//
// Each caller is a thread with a blocking stub on its own channel, so the
// number of calls in flight equals --concurrency.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "samenspel/registry/v1/registry_service.grpc.pb.h"

ABSL_FLAG(std::string, registry, "127.0.0.1:50051", "Registry address.");
ABSL_FLAG(int, concurrency, 32, "Concurrent calls.");
ABSL_FLAG(int, seconds, 10, "Duration of each phase.");
ABSL_FLAG(int, channels, 8, "gRPC channels the callers share round-robin.");

namespace samenspel::bench {
namespace {

namespace v1 = ::samenspel::registry::v1;
using Stub = v1::RegistryService::Stub;

struct PhaseResult {
  std::string name;
  int64_t calls = 0;
  int64_t errors = 0;
  double seconds = 0;
  std::vector<double> latencies_us;
};

// Runs `call(thread, i)` from every thread until the phase ends.
template <typename Fn>
PhaseResult RunPhase(const std::string& name, int threads, absl::Duration duration,
                     Fn call) {
  PhaseResult result;
  result.name = name;
  std::vector<std::vector<double>> lat(threads);
  std::vector<int64_t> errors(threads);
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  const absl::Time start = absl::Now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        const absl::Time begin = absl::Now();
        const bool ok = call(t, i);
        lat[t].push_back(absl::ToDoubleMicroseconds(absl::Now() - begin));
        if (!ok) ++errors[t];
      }
    });
  }
  absl::SleepFor(duration);
  stop = true;
  for (auto& th : pool) th.join();
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  for (int t = 0; t < threads; ++t) {
    result.latencies_us.insert(result.latencies_us.end(), lat[t].begin(), lat[t].end());
    result.errors += errors[t];
  }
  result.calls = result.latencies_us.size();
  std::sort(result.latencies_us.begin(), result.latencies_us.end());
  return result;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()))];
}

void Print(const PhaseResult& r) {
  std::printf(
      "%-12s %10lld calls %8lld errors %10.0f calls/s  p50 %7.2f ms  p99 %7.2f ms\n",
      r.name.c_str(), static_cast<long long>(r.calls), static_cast<long long>(r.errors),
      r.calls / r.seconds, Percentile(r.latencies_us, 0.50) / 1000,
      Percentile(r.latencies_us, 0.99) / 1000);
}

v1::CreateExpertRequest MakeExpert(int t, int64_t i, const std::string& run) {
  v1::CreateExpertRequest req;
  req.set_expert_id(absl::StrCat("b", run, "-", t, "-", i));
  auto* e = req.mutable_expert();
  e->set_display_name(absl::StrCat("Bench Expert ", t, "-", i));
  e->set_organisation("organisations/bench");
  e->set_job_title("Beleidsadviseur energietransitie");
  e->set_email(absl::StrCat("expert", t, "x", i, "@bench.example.nl"));
  e->set_bio(
      "Werkt aan de regionale energiestrategie en warmtetransitie in de wijk, "
      "met oog voor uitvoerbaarheid en draagvlak bij bewoners.");
  for (const char* s : {"warmtetransitie", "participatie", "netcongestie"}) {
    auto* skill = e->add_skills();
    skill->set_name(s);
    skill->set_level(3);
  }
  e->add_themes("energie");
  e->add_region_codes("GM0363");
  e->set_available_hours_per_week(8);
  e->set_consent_to_matching(true);
  return req;
}

int Main() {
  const int threads = absl::GetFlag(FLAGS_concurrency);
  const absl::Duration duration = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  std::vector<std::unique_ptr<Stub>> stubs;
  for (int c = 0; c < absl::GetFlag(FLAGS_channels); ++c) {
    grpc::ChannelArguments args;
    args.SetInt("samenspel.bench.channel", c);  // distinct channels, distinct connections
    stubs.push_back(v1::RegistryService::NewStub(grpc::CreateCustomChannel(
        absl::GetFlag(FLAGS_registry), grpc::InsecureChannelCredentials(), args)));
  }
  auto stub = [&](int t) -> Stub& { return *stubs[t % stubs.size()]; };
  const std::string run = absl::StrCat(absl::ToUnixSeconds(absl::Now()));

  {
    v1::CreateOrganisationRequest org;
    org.set_organisation_id("bench");
    org.mutable_organisation()->set_display_name("Benchmark organisatie");
    org.mutable_organisation()->set_layer(
        samenspel::type::v1::GOVERNMENT_LAYER_MUNICIPAL);
    grpc::ClientContext ctx;
    v1::Organisation out;
    stub(0).CreateOrganisation(&ctx, org, &out);  // ALREADY_EXISTS on a rerun is fine
  }
  // The ceiling of this client and the sync server here: a handler that does
  // nothing (grpc.health.v1 Check), no Redis.
  std::vector<std::unique_ptr<grpc::health::v1::Health::Stub>> health_stubs;
  for (int c = 0; c < absl::GetFlag(FLAGS_channels); ++c) {
    grpc::ChannelArguments args;
    args.SetInt("samenspel.bench.channel", c);
    health_stubs.push_back(grpc::health::v1::Health::NewStub(grpc::CreateCustomChannel(
        absl::GetFlag(FLAGS_registry), grpc::InsecureChannelCredentials(), args)));
  }
  PhaseResult empty = RunPhase("HealthCheck", threads, duration, [&](int t, int64_t) {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse out;
    return health_stubs[t % health_stubs.size()]->Check(&ctx, req, &out).ok();
  });
  std::vector<std::atomic<int64_t>> created(threads);
  PhaseResult create = RunPhase("CreateExpert", threads, duration, [&](int t, int64_t i) {
    grpc::ClientContext ctx;
    v1::Expert out;
    const bool ok = stub(t).CreateExpert(&ctx, MakeExpert(t, i, run), &out).ok();
    if (ok) created[t] = i + 1;
    return ok;
  });
  PhaseResult get = RunPhase("GetExpert", threads, duration, [&](int t, int64_t i) {
    const int64_t n = std::max<int64_t>(1, created[t].load());
    v1::GetExpertRequest req;
    req.set_name(absl::StrCat("experts/b", run, "-", t, "-", (i * 7919) % n));
    grpc::ClientContext ctx;
    v1::Expert out;
    return stub(t).GetExpert(&ctx, req, &out).ok();
  });
  PhaseResult list = RunPhase("ListExperts", threads, duration, [&](int t, int64_t i) {
    v1::ListExpertsRequest req;
    req.set_page_size(50);
    req.set_organisation("organisations/bench");
    grpc::ClientContext ctx;
    v1::ListExpertsResponse out;
    return stub(t).ListExperts(&ctx, req, &out).ok() && out.experts_size() == 50;
  });
  std::printf("concurrency %d, %d channels, %d s per phase\n", threads,
              absl::GetFlag(FLAGS_channels), absl::GetFlag(FLAGS_seconds));
  for (const auto* r : {&empty, &create, &get, &list}) Print(*r);
  return create.errors + get.errors + list.errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace samenspel::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return samenspel::bench::Main();
}
