// Registry throughput and latency through gRPC: an empty call (health Check),
// CreateExpert, GetExpert (twice) and ListExperts with `--concurrency` calls in flight
// for `--seconds` each. Run by bench/run_registry_bench.sh next to
// redis-benchmark; results in RESULTS.md.
//
// The load generator is asynchronous: `--client_threads` threads, each
// driving its own CompletionQueue, keep --concurrency calls in flight between
// them (a finished call starts the next at once). A thread per call would
// spend the shared cores on thread switches in the client instead of on the
// server being measured.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "samenspel/registry/v1/registry_service.grpc.pb.h"

ABSL_FLAG(std::string, registry, "127.0.0.1:50051", "Registry address.");
ABSL_FLAG(int, concurrency, 32, "Calls in flight.");
ABSL_FLAG(int, seconds, 10, "Duration of each phase.");
ABSL_FLAG(int, channels, 2, "gRPC channels (connections) the calls share round-robin.");
ABSL_FLAG(int, client_threads, 2, "Client threads, each with its own CompletionQueue.");
ABSL_FLAG(std::string, cpu_pids, "",
          "Comma-separated pids (registry, redis-server) whose CPU time per call to "
          "report for each phase, next to this client's.");
ABSL_FLAG(bool, server_ids, false,
          "Create experts without an expert_id, so the registry gives them random ids "
          "(as for callers that do not choose their own); the default numbers them.");
ABSL_FLAG(std::string, phases, "empty,create,get,get,list",
          "Phases to run, in this order (get reads what create wrote; a second get "
          "reads it again).");

namespace samenspel::bench {
namespace {

namespace v1 = ::samenspel::registry::v1;
namespace health = ::grpc::health::v1;
using Clock = std::chrono::steady_clock;

struct PhaseResult {
  std::string name;
  int64_t calls = 0;
  int64_t errors = 0;
  double seconds = 0;
  std::vector<double> latencies_us;
  // CPU seconds used during the phase: this client, then each --cpu_pids.
  std::vector<double> cpu_seconds;
};

// CPU seconds (user + system) used so far by this process (pid 0) or by
// process `pid` (from /proc; 0 when it cannot be read).
double CpuSeconds(int pid) {
  if (pid == 0) {
    rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  }
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  // Fields after the command name "(...)": state is field 3, utime 14, stime 15.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> fields = absl::StrSplit(stat.substr(close + 2), ' ');
  double utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtod(fields[11], &utime) ||
      !absl::SimpleAtod(fields[12], &stime)) {
    return 0;
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// This process, then every pid of --cpu_pids.
std::vector<int> CpuPids() {
  std::vector<int> pids = {0};
  for (absl::string_view p :
       absl::StrSplit(absl::GetFlag(FLAGS_cpu_pids), ',', absl::SkipEmpty())) {
    int pid;
    if (absl::SimpleAtoi(p, &pid)) pids.push_back(pid);
  }
  return pids;
}

// One call in flight: its context, response and status, and where it came
// from.
template <typename Response>
struct Call {
  int slot = 0;
  int64_t index = 0;
  Clock::time_point begin;
  grpc::ClientContext context;
  Response response;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> reader;
};

// Keeps `concurrency` calls in flight for `duration`. Slot s (0..concurrency-1)
// makes its calls one after another, numbered 0, 1, ...:
//   start(slot, index, context, cq) prepares the call (PrepareAsyncX);
//   done(slot, index, status, response) says whether it succeeded.
// Calls still in flight when the time is up are awaited but not counted
// (`done` is still called for them).
template <typename Response, typename Start, typename Done>
PhaseResult RunPhase(const std::string& name, int concurrency, int threads,
                     absl::Duration duration, Start start, Done done) {
  using C = Call<Response>;
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(threads);
  std::vector<int64_t> errors(threads);
  auto run = [&](int t) {
    grpc::CompletionQueue cq;
    auto launch = [&](int slot, int64_t index) {
      auto* call = new C;
      call->slot = slot;
      call->index = index;
      call->begin = Clock::now();
      call->reader = start(slot, index, &call->context, &cq);
      call->reader->StartCall();
      call->reader->Finish(&call->response, &call->status, call);
    };
    int in_flight = 0;
    for (int slot = t; slot < concurrency; slot += threads, ++in_flight) launch(slot, 0);
    void* tag;
    bool ok;
    while (in_flight > 0 && cq.Next(&tag, &ok)) {
      std::unique_ptr<C> call(static_cast<C*>(tag));
      --in_flight;
      if (stop.load(std::memory_order_relaxed)) {
        // Not counted, but a create that succeeded is there for later phases.
        if (ok) done(call->slot, call->index, call->status, call->response);
        continue;
      }
      const auto elapsed = Clock::now() - call->begin;
      latencies[t].push_back(std::chrono::duration<double, std::micro>(elapsed).count());
      if (!ok || !done(call->slot, call->index, call->status, call->response)) {
        ++errors[t];
      }
      launch(call->slot, call->index + 1);
      ++in_flight;
    }
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
  };
  std::vector<std::thread> pool;
  const std::vector<int> pids = CpuPids();
  std::vector<double> cpu_begin;
  for (int pid : pids) cpu_begin.push_back(CpuSeconds(pid));
  const absl::Time begin = absl::Now();
  for (int t = 0; t < threads; ++t) pool.emplace_back(run, t);
  absl::SleepFor(duration);
  stop = true;
  const absl::Time end = absl::Now();
  PhaseResult result;
  for (size_t i = 0; i < pids.size(); ++i) {
    result.cpu_seconds.push_back(CpuSeconds(pids[i]) - cpu_begin[i]);
  }
  for (auto& th : pool) th.join();
  result.name = name;
  result.seconds = absl::ToDoubleSeconds(end - begin);
  for (int t = 0; t < threads; ++t) {
    result.latencies_us.insert(result.latencies_us.end(), latencies[t].begin(),
                               latencies[t].end());
    result.errors += errors[t];
  }
  result.calls = static_cast<int64_t>(result.latencies_us.size());
  std::sort(result.latencies_us.begin(), result.latencies_us.end());
  return result;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()))];
}

void Print(const PhaseResult& r) {
  std::printf(
      "%-16s %10lld calls %8lld errors %10.0f calls/s  p50 %7.2f ms  p99 %7.2f ms\n",
      r.name.c_str(), static_cast<long long>(r.calls), static_cast<long long>(r.errors),
      r.calls / r.seconds, Percentile(r.latencies_us, 0.50) / 1000,
      Percentile(r.latencies_us, 0.99) / 1000);
  if (r.calls > 0) {
    std::printf("%-16s CPU per call (us): client %.1f", "",
                1e6 * r.cpu_seconds[0] / r.calls);
    for (size_t i = 1; i < r.cpu_seconds.size(); ++i) {
      std::printf(", pid %zu: %.1f", i, 1e6 * r.cpu_seconds[i] / r.calls);
    }
    std::printf("\n");
  }
  std::fflush(stdout);
}

v1::CreateExpertRequest MakeExpert(int slot, int64_t i, const std::string& run) {
  v1::CreateExpertRequest req;
  req.set_expert_id(absl::StrCat("b", run, "-", slot, "-", i));
  auto* e = req.mutable_expert();
  e->set_display_name(absl::StrCat("Bench Expert ", slot, "-", i));
  e->set_organisation("organisations/bench");
  e->set_job_title("Beleidsadviseur energietransitie");
  e->set_email(absl::StrCat("expert", slot, "x", i, "@bench.example.nl"));
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
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const int threads =
      std::max(1, std::min(absl::GetFlag(FLAGS_client_threads), concurrency));
  const absl::Duration duration = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int c = 0; c < std::max(1, absl::GetFlag(FLAGS_channels)); ++c) {
    grpc::ChannelArguments args;
    args.SetInt("samenspel.bench.channel", c);  // distinct channels, distinct connections
    channels.push_back(grpc::CreateCustomChannel(
        absl::GetFlag(FLAGS_registry), grpc::InsecureChannelCredentials(), args));
  }
  for (auto& channel : channels) {
    if (!channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(10)))) {
      std::fprintf(stderr, "cannot connect to %s\n",
                   absl::GetFlag(FLAGS_registry).c_str());
      return 1;
    }
  }
  std::vector<std::unique_ptr<v1::RegistryService::Stub>> stubs;
  std::vector<std::unique_ptr<health::Health::Stub>> health_stubs;
  for (auto& channel : channels) {
    stubs.push_back(v1::RegistryService::NewStub(channel));
    health_stubs.push_back(health::Health::NewStub(channel));
  }
  auto stub = [&](int slot) -> v1::RegistryService::Stub& {
    return *stubs[slot % stubs.size()];
  };
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

  std::vector<PhaseResult> results;
  // Per slot, how many experts it created (ids <slot>-0 .. <slot>-(n-1)).
  std::vector<int64_t> created(concurrency);
  // With --server_ids, the names the registry gave them (each slot's own
  // calls run on one client thread, one after another).
  const bool server_ids = absl::GetFlag(FLAGS_server_ids);
  std::vector<std::vector<std::string>> names(concurrency);
  for (absl::string_view phase : absl::StrSplit(absl::GetFlag(FLAGS_phases), ',')) {
    if (phase == "empty") {
      // This machine's gRPC ceiling with this client: a handler that does
      // nothing (grpc.health.v1 Check), no Redis.
      results.push_back(RunPhase<health::HealthCheckResponse>(
          "HealthCheck", concurrency, threads, duration,
          [&](int slot, int64_t, grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
            return health_stubs[slot % health_stubs.size()]->PrepareAsyncCheck(
                ctx, health::HealthCheckRequest(), cq);
          },
          [](int, int64_t, const grpc::Status& s, const health::HealthCheckResponse&) {
            return s.ok();
          }));
    } else if (phase == "create") {
      // A later create phase goes on after the experts of the earlier ones,
      // so repeated phases show how creates fare as the registry grows.
      const std::vector<int64_t> before = created;
      results.push_back(RunPhase<v1::Expert>(
          "CreateExpert", concurrency, threads, duration,
          [&](int slot, int64_t i, grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
            v1::CreateExpertRequest req = MakeExpert(slot, before[slot] + i, run);
            if (server_ids) req.clear_expert_id();
            return stub(slot).PrepareAsyncCreateExpert(ctx, req, cq);
          },
          [&](int slot, int64_t i, const grpc::Status& s, const v1::Expert& e) {
            if (s.ok()) {
              created[slot] = before[slot] + i + 1;
              if (server_ids) names[slot].push_back(e.name());
            }
            return s.ok();
          }));
    } else if (phase == "get") {
      // A second get phase reads the same experts again: with the registry's
      // record cache (--redis_cache_mb) those reads find them cached.
      const bool again = std::any_of(
          results.begin(), results.end(),
          [](const PhaseResult& r) { return absl::StartsWith(r.name, "GetExpert"); });
      results.push_back(RunPhase<v1::Expert>(
          again ? "GetExpert again" : "GetExpert", concurrency, threads, duration,
          [&](int slot, int64_t i, grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
            const int64_t n = std::max<int64_t>(
                1, server_ids ? static_cast<int64_t>(names[slot].size()) : created[slot]);
            v1::GetExpertRequest req;
            if (server_ids) {
              if (!names[slot].empty()) req.set_name(names[slot][(i * 7919) % n]);
            } else {
              req.set_name(
                  absl::StrCat("experts/b", run, "-", slot, "-", (i * 7919) % n));
            }
            return stub(slot).PrepareAsyncGetExpert(ctx, req, cq);
          },
          [](int, int64_t, const grpc::Status& s, const v1::Expert&) { return s.ok(); }));
    } else if (phase == "list") {
      results.push_back(RunPhase<v1::ListExpertsResponse>(
          "ListExperts", concurrency, threads, duration,
          [&](int slot, int64_t, grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
            v1::ListExpertsRequest req;
            req.set_page_size(50);
            req.set_organisation("organisations/bench");
            return stub(slot).PrepareAsyncListExperts(ctx, req, cq);
          },
          [](int, int64_t, const grpc::Status& s, const v1::ListExpertsResponse& out) {
            return s.ok() && out.experts_size() == 50;
          }));
    } else {
      std::fprintf(stderr, "unknown phase '%s'\n", std::string(phase).c_str());
      return 2;
    }
    Print(results.back());
  }
  std::printf("concurrency %d, %d client threads, %zu channels, %d s per phase\n",
              concurrency, threads, channels.size(), absl::GetFlag(FLAGS_seconds));
  int64_t errors = 0;
  for (const PhaseResult& r : results) errors += r.errors;
  return errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace samenspel::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // As in the servers: Debian builds Abseil without NDEBUG, which leaves
  // absl::Mutex deadlock detection on (gRPC's own locks are absl::Mutex):
  // 2-4% of this client's samples, in GraphCycles.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return samenspel::bench::Main();
}
