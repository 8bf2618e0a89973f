// samenspel-matching: flags -> MatchingServerOptions -> wiring. See
// DESIGN.md "Running" for the flag contract.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/marshalling.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/bearer_channel.h"
#include "common/call_credentials.h"
#include "common/health_service.h"
#include "common/log.h"
#include "common/rate_limiter.h"
#include "common/registry_authenticator.h"
#include "common/server_setup.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/server_builder.h"
#include "matching-service/analysis/analyzer.h"
#include "matching-service/core/matcher.h"
#include "matching-service/core/region.h"
#include "matching-service/server/matching_service_impl.h"
#include "matching-service/server/registry_follower.h"
#include "openssl/sha.h"
#include "samenspel/registry/v1/access_service.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50052",
          "Address to serve gRPC on (host:port).");
ABSL_FLAG(std::string, registry, "127.0.0.1:50051",
          "The registry to follow (host:port; a dns:/// name with several addresses is "
          "fine).");
ABSL_FLAG(
    std::string, registry_ca, "",
    "PEM CA bundle to verify the registry's TLS certificate; plaintext when empty.");
ABSL_FLAG(std::string, data_dir, "",
          "Folder with synonyms.txt, lexicon.txt and regions.tsv (default: the shipped "
          "data: <prefix>/share/samenspel/matching beside an installed binary, else the "
          "source tree's matching-service/data).");
ABSL_FLAG(
    std::string, synonyms, "",
    "Synonym and abbreviation file replacing data_dir/synonyms.txt (format: see the "
    "file's header).");
ABSL_FLAG(std::string, regions, "",
          "Region table replacing data_dir/regions.tsv (municipality -> province).");
ABSL_FLAG(bool, insecure, false,
          "Serve plaintext without TLS. Development only; logged loudly.");
ABSL_FLAG(std::string, tls_cert, "", "PEM server certificate chain (enables TLS).");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(
    std::string, client_ca, "",
    "PEM CA bundle; when set, a client may authenticate with a certificate it signed "
    "(mTLS, its OIN checked with the registry), and every call must authenticate (a "
    "certificate or a bearer token).");
ABSL_FLAG(std::string, admin_token_file, "",
          "File with a bootstrap admin bearer token accepted here (at least 32 "
          "characters). With it or --client_ca set, every call must authenticate: "
          "tokens are checked with the registry.");
ABSL_FLAG(bool, registry_plaintext_token, false,
          "Send --registry_token_file's token (and callers' tokens, to have the registry "
          "check them) without TLS to a registry that is not on this machine; refused "
          "otherwise: give --registry_ca.");
ABSL_FLAG(std::string, registry_token_file, "",
          "File with this service's bearer token for the registry (an admin token: it "
          "follows the feed and checks callers' tokens).");
ABSL_FLAG(std::vector<std::string>, admin_oins, {},
          "Comma-separated OINs whose client certificates act as admins.");
ABSL_FLAG(std::string, client_cert_role, "editor",
          "Role of other client-certificate callers: editor or reader.");
ABSL_FLAG(absl::Duration, token_cache_ttl, absl::Seconds(5),
          "How long a caller's verified token or certificate is trusted without asking "
          "the registry again.");
ABSL_FLAG(double, rate_limit, 50,
          "Match calls per second each non-admin principal may make on average (0: no "
          "limit); more get RESOURCE_EXHAUSTED.");
ABSL_FLAG(double, rate_burst, 100, "Largest burst of calls per non-admin principal.");
ABSL_FLAG(absl::Duration, tls_reload_interval, absl::Seconds(60),
          "How often the TLS files are checked for renewed certificates.");
ABSL_FLAG(absl::Duration, max_revision_wait, absl::Seconds(5),
          "Longest wait for a request's min_revision before UNAVAILABLE.");
ABSL_FLAG(int, query_threads, 0,
          "Threads that score one MatchExperts query, each over a range of the "
          "experts (0: one per core); indexes under 25,000 experts per thread use "
          "fewer.");
ABSL_FLAG(bool, lazy_rerank, true,
          "MatchExperts scores only as many of the most relevant candidates as prove "
          "its picks; false: the whole re-ranking pool every time. The results are the "
          "same; only to compare speed.");
ABSL_FLAG(absl::Duration, registry_keepalive, absl::Seconds(30),
          "Ping the registry this often when nothing else arrives, and drop a connection "
          "that does not answer within as long: the follower then reconnects, instead "
          "of waiting on a connection to a lost host (the registry must allow pings "
          "this often: its --min_client_ping_interval).");
ABSL_FLAG(std::string, health_listen, "",
          "Also answer grpc.health.v1 Check, and nothing else, in plaintext on this "
          "address (host:port), for probes that cannot speak TLS, such as Kubernetes' "
          "grpc probes. Empty: none (health is always served on --listen as well).");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(10),
          "On SIGTERM (after --shutdown_delay), how long in-flight calls may take "
          "before they are cancelled.");
ABSL_FLAG(absl::Duration, shutdown_delay, absl::ZeroDuration(),
          "On SIGTERM, health turns NOT_SERVING at once, and calls are still served "
          "this long before the drain, so that load balancers (Kubernetes) take the "
          "replica out first; a second signal ends the wait.");

namespace samenspel::matching {
namespace {

struct MatchingServerOptions {
  std::string listen;
  std::string health_listen;
  std::string registry;
  std::string registry_ca;
  AnalyzerOptions analyzer;
  std::string regions_path;
  ServerSecurityOptions security;
  std::string admin_token;
  std::string registry_token;
  RegistryAuthenticatorOptions authenticator;
  RateLimiterOptions rate_limit;
  MatchingServiceOptions service;
  absl::Duration drain_timeout;
  absl::Duration shutdown_delay;
};

std::string Sha256Hex(absl::string_view s) {
  if (s.empty()) return "";
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

[[noreturn]] void Fail(const std::string& message) {
  samenspel::LogLine(message);
  std::exit(2);
}

MatchingServerOptions OptionsFromFlags() {
  MatchingServerOptions o;
  o.listen = absl::GetFlag(FLAGS_listen);
  o.health_listen = absl::GetFlag(FLAGS_health_listen);
  o.registry = absl::GetFlag(FLAGS_registry);
  for (absl::Status s :
       {CheckAddressFlag("listen", o.listen, true),
        CheckAddressFlag("registry", o.registry, false),
        o.health_listen.empty()
            ? absl::OkStatus()
            : CheckAddressFlag("health_listen", o.health_listen, true)}) {
    if (!s.ok()) Fail(std::string(s.message()));
  }
  o.registry_ca = absl::GetFlag(FLAGS_registry_ca);
  if (!absl::GetFlag(FLAGS_data_dir).empty())
    o.analyzer.data_dir = absl::GetFlag(FLAGS_data_dir);
  o.analyzer.synonyms_path = absl::GetFlag(FLAGS_synonyms);
  o.regions_path = absl::GetFlag(FLAGS_regions).empty()
                       ? o.analyzer.data_dir + "/regions.tsv"
                       : absl::GetFlag(FLAGS_regions);
  o.security.insecure = absl::GetFlag(FLAGS_insecure);
  o.security.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  o.security.tls_key = absl::GetFlag(FLAGS_tls_key);
  o.security.client_ca = absl::GetFlag(FLAGS_client_ca);
  o.security.reload_interval = absl::GetFlag(FLAGS_tls_reload_interval);
  auto read_token = [](const std::string& flag, const std::string& path) {
    if (path.empty()) return std::string();
    absl::StatusOr<std::string> token = ReadFile(path);
    if (!token.ok()) Fail(absl::StrCat("--", flag, ": ", token.status().message()));
    std::string t(absl::StripAsciiWhitespace(*token));
    if (t.size() < 32) Fail(absl::StrCat("--", flag, ": the token is too short"));
    return t;
  };
  o.admin_token = read_token("admin_token_file", absl::GetFlag(FLAGS_admin_token_file));
  o.registry_token =
      read_token("registry_token_file", absl::GetFlag(FLAGS_registry_token_file));
  o.authenticator.admin_oins = absl::GetFlag(FLAGS_admin_oins);
  o.authenticator.cache_ttl = absl::GetFlag(FLAGS_token_cache_ttl);
  const std::string cert_role = absl::GetFlag(FLAGS_client_cert_role);
  if (cert_role == "editor") {
    o.authenticator.certificate_role = registry::v1::ROLE_EDITOR;
  } else if (cert_role == "reader") {
    o.authenticator.certificate_role = registry::v1::ROLE_READER;
  } else {
    Fail("--client_cert_role must be editor or reader (admins: --admin_oins)");
  }
  if (o.authenticator.cache_ttl < absl::ZeroDuration())
    Fail("--token_cache_ttl must not be negative");
  if (o.security.reload_interval < absl::ZeroDuration())
    Fail("--tls_reload_interval must not be negative");
  o.rate_limit.rate = absl::GetFlag(FLAGS_rate_limit);
  if (!(o.rate_limit.rate >= 0)) Fail("--rate_limit must not be negative (0: no limit)");
  o.rate_limit.burst = absl::GetFlag(FLAGS_rate_burst);
  if (!(o.rate_limit.burst >= 1)) Fail("--rate_burst must be at least 1");
  o.service.max_revision_wait = absl::GetFlag(FLAGS_max_revision_wait);
  if (o.service.max_revision_wait < absl::ZeroDuration())
    Fail("--max_revision_wait must not be negative");
  if (absl::GetFlag(FLAGS_query_threads) < 0 || absl::GetFlag(FLAGS_query_threads) > 256)
    Fail("--query_threads must be between 0 (one per core) and 256");
  if (absl::GetFlag(FLAGS_registry_keepalive) < absl::Milliseconds(100) ||
      absl::GetFlag(FLAGS_registry_keepalive) > absl::Hours(1)) {
    Fail(
        "--registry_keepalive must be between 100ms and 1h (and no shorter than the "
        "registry's --min_client_ping_interval, 10s by default)");
  }
  o.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  o.shutdown_delay = absl::GetFlag(FLAGS_shutdown_delay);
  if (o.drain_timeout < absl::ZeroDuration() || o.shutdown_delay < absl::ZeroDuration()) {
    Fail("--drain_timeout and --shutdown_delay must not be negative");
  }
  return o;
}

// Logs whom the follower reads the registry as, once the registry answers,
// with a warning when that is not an admin: for anyone else the registry
// leaves out the bio and email of other organisations' experts, so the index
// would match them without their bio, and nothing else would say so. Asks
// every 2 s, on a thread of its own, until it has an answer or Stop().
class RegistryPrincipalReport {
 public:
  // `on_principal` is called (on the report's thread) once the principal
  // is known.
  RegistryPrincipalReport(
      std::shared_ptr<grpc::Channel> registry,
      std::function<void(const registry::v1::Principal&)> on_principal)
      : stub_(registry::v1::AccessService::NewStub(std::move(registry))),
        on_principal_(std::move(on_principal)),
        thread_([this] { Run(); }) {}
  ~RegistryPrincipalReport() { Stop(); }
  // Cancels a call in flight and waits for the thread (once).
  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stopped_ = true;
      if (call_ != nullptr) call_->TryCancel();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    for (;;) {
      grpc::ClientContext ctx;
      ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
      {
        absl::MutexLock lock(&mu_);
        if (stopped_) return;
        call_ = &ctx;
      }
      registry::v1::Principal principal;
      const grpc::Status status = stub_->GetCallerIdentity(
          &ctx, registry::v1::GetCallerIdentityRequest(), &principal);
      {
        absl::MutexLock lock(&mu_);
        call_ = nullptr;
      }
      // A refused token: the follower says so.
      if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) return;
      if (status.ok()) {
        Report(principal);
        on_principal_(principal);
        return;
      }
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopped_), absl::Seconds(2));
    }
  }

  static void Report(const registry::v1::Principal& principal) {
    // One write, warning and all: a reader of the log sees both or neither.
    samenspel::Log(
        "following the registry as %s (%s%s%s)%s", principal.subject(),
        registry::v1::Role_Name(principal.role()),
        principal.organisation().empty() ? "" : ", ", principal.organisation(),
        principal.role() == registry::v1::ROLE_ADMIN
            ? ""
            : "\nERROR: --registry_token_file's token is not an admin's: the registry "
              "checks no caller's credentials for it, so every caller but "
              "--admin_token_file's is refused (INTERNAL), and the service stays "
              "NOT_SERVING; it also leaves out other organisations' experts' bios. Give "
              "the matching service an admin token.");
  }

  const std::unique_ptr<registry::v1::AccessService::Stub> stub_;
  const std::function<void(const registry::v1::Principal&)> on_principal_;
  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* call_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;  // last: starts once the rest is set up
};

int Run(const MatchingServerOptions& o) {
  const sigset_t stop_signals = BlockStopSignals();
  auto credentials = ServerCredentialsFor(o.security);
  if (!credentials.ok()) Fail(std::string(credentials.status().message()));
  auto registry_credentials = ChannelCredentialsFor(o.registry_ca);
  if (!registry_credentials.ok())
    Fail(std::string(registry_credentials.status().message()));
  if (!o.registry_token.empty() && o.registry_ca.empty() &&
      !IsLoopbackTarget(o.registry) && !absl::GetFlag(FLAGS_registry_plaintext_token)) {
    Fail(
        absl::StrCat("--registry_token_file: the token would go to ", o.registry,
                     " in plaintext, with every caller's token it checks there: give "
                     "--registry_ca (TLS), or --registry_plaintext_token if that network "
                     "is trusted"));
  }
  absl::StatusOr<std::unique_ptr<Analyzer>> analyzer = Analyzer::Create(o.analyzer);
  if (!analyzer.ok()) Fail(analyzer.status().ToString());
  absl::StatusOr<RegionTable> regions = RegionTable::Load(o.regions_path);
  if (!regions.ok()) Fail(regions.status().ToString());
  samenspel::Log("analysis data from %s, regions from %s", o.analyzer.data_dir,
                 o.regions_path);

  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  // The change feed may be quiet for hours: keepalive pings find a lost
  // connection (no reset, no answer) so the follower can reconnect.
  const int keepalive_ms = static_cast<int>(std::clamp<int64_t>(
      absl::ToInt64Milliseconds(absl::GetFlag(FLAGS_registry_keepalive)), 100, 3600000));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, keepalive_ms);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, keepalive_ms);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // Back within seconds of the registry: gRPC's own reconnect backoff grows
  // to 120 s, and the index stayed stale that long after an outage (while
  // the follower's own retries failed at once on the idle channel).
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  std::shared_ptr<grpc::Channel> registry_channel =
      CreateChannelWithBearer(o.registry, *registry_credentials, args, o.registry_token);

  MatcherOptions matcher_options;
  matcher_options.query_threads = absl::GetFlag(FLAGS_query_threads);
  matcher_options.lazy_rerank = absl::GetFlag(FLAGS_lazy_rerank);
  Matcher matcher(analyzer->get(), *std::move(regions), matcher_options);
  // DESIGN.md: open without credentials in --insecure mode; otherwise every
  // call authenticates, with tokens and certificates checked by the registry.
  // A token for the registry is a credential too: a service that follows a
  // locked registry must not hand what it reads to anyone who asks.
  const bool open = o.security.insecure && o.admin_token.empty() &&
                    o.security.client_ca.empty() && o.registry_token.empty();
  RegistryAuthenticator authenticator(registry_channel, "", o.authenticator);
  RateLimiter limiter(o.rate_limit);
  MatchingServiceOptions service_options = o.service;
  std::atomic<bool> index_ready{false};
  service_options.ready = &index_ready;
  if (open) {
    samenspel::LogLine(
        "WARNING: no credentials configured: every caller is an admin (development "
        "only)");
  } else {
    const std::string admin_hash = Sha256Hex(o.admin_token);
    service_options.authenticate = [&authenticator,
                                    admin_hash](const grpc::ServerContextBase& ctx)
        -> absl::StatusOr<registry::v1::Principal> {
      absl::StatusOr<std::optional<std::string>> bearer = BearerSecret(ctx);
      if (bearer.ok() && *bearer && !admin_hash.empty() &&
          Sha256Hex(**bearer) == admin_hash) {
        registry::v1::Principal admin;
        admin.set_subject("bootstrap-admin");
        admin.set_role(registry::v1::ROLE_ADMIN);
        return admin;
      }
      return authenticator.Authenticate(ctx);
    };
    service_options.rate_limiter = &limiter;
  }
  MatchingServiceImpl service(&matcher, service_options);

  HealthService health({"samenspel.matching.v1.MatchingService"});
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  std::unique_ptr<grpc::ServerBuilder> builder = NewServerBuilder();
  int port = 0;
  builder->AddListeningPort(o.listen, *credentials, &port);
  builder->RegisterService(&service);
  builder->RegisterService(&health);
  std::unique_ptr<grpc::Server> server = builder->BuildAndStart();
  if (!server || port == 0) {
    Fail(absl::StrCat("cannot listen on ", o.listen,
                      " (does another process listen there?)"));
  }
  // NOT_SERVING (the initial state) until the first snapshot of the registry is loaded.
  samenspel::Log("listening on %s (port %d), following %s", o.listen, port, o.registry);
  std::unique_ptr<HealthServer> health_server;
  if (!o.health_listen.empty()) {
    absl::StatusOr<std::unique_ptr<HealthServer>> started =
        StartHealthServer(o.health_listen, &health);
    if (!started.ok()) Fail(std::string(started.status().message()));
    health_server = *std::move(started);
  }

  // SERVING while the index is loaded, unless the registry token turned out
  // not to be an admin's: then no caller can be authenticated (an operator
  // review: SERVING, while every call failed).
  absl::Mutex serving_mu;
  bool loaded = false, credential_usable = true;
  auto update_health = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(serving_mu) {
    health.SetServing(loaded && credential_usable);
  };
  RegistryFollowerOptions follower_options;
  follower_options.on_ready = [&](bool ready) {
    index_ready.store(ready, std::memory_order_release);
    absl::MutexLock lock(&serving_mu);
    loaded = ready;
    update_health();
  };
  RegistryFollower follower(registry_channel, &matcher, follower_options);
  follower.Start();
  RegistryPrincipalReport principal_report(
      registry_channel, [&](const registry::v1::Principal& principal) {
        if (open || principal.role() == registry::v1::ROLE_ADMIN) return;
        absl::MutexLock lock(&serving_mu);
        credential_usable = false;
        update_health();
      });

  const int sig = WaitForStopSignal(stop_signals);
  health.Shutdown();  // NOT_SERVING first, for probes and load balancers
  samenspel::Log("signal %d: NOT_SERVING", sig);
  ServeOnWhileTakenOut(stop_signals, o.shutdown_delay);
  samenspel::Log("draining");
  const absl::Time drain_start = absl::Now();
  principal_report.Stop();
  // Calls waiting for a min_revision are answered within the drain, not
  // cancelled at its end (nor do they outlast it).
  matcher.StopWaitingBy(drain_start + o.drain_timeout * 0.9);
  server->Shutdown(absl::ToChronoTime(drain_start + o.drain_timeout));
  // Probes saw NOT_SERVING while the calls drained; now they find no one.
  if (health_server) health_server->server->Shutdown(absl::ToChronoTime(absl::Now()));
  follower.Stop();
  samenspel::Log("stopped after %s", absl::FormatDuration(absl::Now() - drain_start));
  return 0;
}

}  // namespace
}  // namespace samenspel::matching

int main(int argc, char** argv) {
  samenspel::SetLogProgram("samenspel-matching");
  samenspel::RouteProtobufLogs();
  samenspel::ParseServerFlags(
      argc, argv,
      "The Samenspel matching service: ranks experts and teams for a challenge from an "
      "in-memory index that follows the registry.\n"
      "Example: samenspel-matching --insecure --listen=127.0.0.1:50052 "
      "--registry=127.0.0.1:50051",
      "matching-service/");
  // Debian builds Abseil without NDEBUG, which leaves absl::Mutex deadlock
  // detection on: a global graph update on every lock, a throughput limit.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return samenspel::matching::Run(samenspel::matching::OptionsFromFlags());
}
