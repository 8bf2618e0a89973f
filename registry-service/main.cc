// samenspel-registry: flags -> RegistryServerOptions -> wiring. See
// DESIGN.md "Running" for the flag contract.
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/marshalling.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/health_service.h"
#include "common/log.h"
#include "common/server_setup.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/server_builder.h"
#include "registry-service/core/access_control.h"
#include "registry-service/core/audit_log.h"
#include "registry-service/core/change_feed.h"
#include "registry-service/core/memory_store.h"
#include "registry-service/core/registry.h"
#include "registry-service/core/store.h"
#include "registry-service/redis/redis_access_store.h"
#include "registry-service/redis/redis_store.h"
#include "registry-service/server/access_service_impl.h"
#include "registry-service/server/authorizer.h"
#include "registry-service/server/registry_service_impl.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address to serve gRPC on (host:port).");
ABSL_FLAG(std::string, health_listen, "",
          "Also answer grpc.health.v1 Check, and nothing else, in plaintext on this "
          "address (host:port), for probes that cannot speak TLS, such as Kubernetes' "
          "grpc probes. Empty: none (health is always served on --listen as well).");
ABSL_FLAG(std::string, redis, "127.0.0.1:6379",
          "Redis address host:port, or 'memory' for an in-memory store (local trials "
          "only: nothing is persisted).");
ABSL_FLAG(std::string, redis_password, "",
          "Redis password (AUTH). Prefer --redis_password_file or the "
          "SAMENSPEL_REDIS_PASSWORD environment variable.");
ABSL_FLAG(std::string, redis_password_file, "", "File holding the Redis password.");
ABSL_FLAG(std::string, redis_sentinels, "",
          "Redis Sentinel addresses, host:port,host:port,... When set, the primary "
          "named --redis_sentinel_master is asked of them on every connect, so the "
          "registry follows a failover by itself; --redis is then not used.");
ABSL_FLAG(std::string, redis_sentinel_master, "samenspel",
          "The name the sentinels monitor the primary by (sentinel monitor <name> ...).");
ABSL_FLAG(std::string, redis_sentinel_password_file, "",
          "File holding the sentinels' own password (their requirepass), if any; or "
          "the SAMENSPEL_REDIS_SENTINEL_PASSWORD environment variable.");
ABSL_FLAG(int, redis_wait_replicas, 0,
          "Acknowledge a write only once this many Redis replicas have it (WAIT), so "
          "that a failover loses no acknowledged write; a write they do not confirm "
          "within --redis_wait_timeout fails UNAVAILABLE (reason NOT_REPLICATED). 0: the "
          "primary's AOF alone. Covers the registry's records, change feed and access "
          "tokens, not audit events.");
ABSL_FLAG(absl::Duration, redis_wait_timeout, absl::Seconds(1),
          "How long a write waits for --redis_wait_replicas.");
ABSL_FLAG(int, redis_cache_mb, 64,
          "Memory (MiB) for records kept to answer Gets without asking Redis. Redis "
          "reports every change to them (client-side caching, CLIENT TRACKING), so a "
          "Get sees every write this replica acknowledged, and another replica's write "
          "as soon as Redis's message arrives (normally under a millisecond). 0: none, "
          "every Get asks Redis.");
ABSL_FLAG(int, redis_db, 0, "Redis database number (SELECT).");
ABSL_FLAG(std::string, redis_key_prefix, "ss:", "Prefix of every Redis key.");
ABSL_FLAG(int, redis_pool_size, 32,
          "Most Redis connections: calls are pipelined on at most 2 of them, and change "
          "feed waits have as many of their own.");
ABSL_FLAG(int, workers, 32,
          "Threads that run the registry's writes and lists: the most of those served "
          "at once (more wait their turn). The Gets and CreateExpert need none: they "
          "wait for Redis on one I/O thread, or on the gRPC thread that sends their "
          "batch.");
ABSL_FLAG(int, max_watches, 1024,
          "Most WatchChanges streams of non-admin callers served at once (each holds "
          "a thread); more fail RESOURCE_EXHAUSTED. Admins' are not limited.");
ABSL_FLAG(int, max_watches_per_caller, 16,
          "Most WatchChanges streams one non-admin principal may hold open at once.");
ABSL_FLAG(int, max_waiting_calls, 4096,
          "Calls that may wait for a worker (--workers); more fail RESOURCE_EXHAUSTED "
          "(reason OVERLOADED) at once instead of queuing without bound.");
ABSL_FLAG(
    int64_t, feed_retention, 1000000,
    "Changes the feed keeps; a watcher further behind gets OUT_OF_RANGE and resyncs. "
    "The feed is the Redis database's, shared by every replica: each trims it to its "
    "own setting, so the smallest of the replicas' wins (give them all the same).");
ABSL_FLAG(int, max_message_bytes, 4 << 20,
          "Largest request accepted; larger ones get RESOURCE_EXHAUSTED.");
ABSL_FLAG(bool, insecure, false,
          "Serve plaintext without TLS. Development only; logged loudly.");
ABSL_FLAG(std::string, tls_cert, "", "PEM server certificate chain (enables TLS).");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(
    std::string, client_ca, "",
    "PEM CA bundle; when set, a client may authenticate with a certificate it signed "
    "(mTLS), and every call must authenticate (a certificate or a bearer token).");
ABSL_FLAG(absl::Duration, tls_reload_interval, absl::Seconds(60),
          "How often --tls_cert, --tls_key and --client_ca are checked for renewed "
          "files (taken up without a restart).");
ABSL_FLAG(std::string, admin_token_file, "",
          "File with the bootstrap admin bearer token (at least 32 characters; "
          "generate one with `openssl rand -base64 32`). With it or --client_ca set, "
          "every call must authenticate.");
ABSL_FLAG(std::vector<std::string>, admin_oins, {},
          "Comma-separated OINs whose client certificates act as admins.");
ABSL_FLAG(std::string, client_cert_role, "editor",
          "Role of other client-certificate callers: editor or reader.");
ABSL_FLAG(absl::Duration, token_cache_ttl, absl::Seconds(5),
          "How long a verified token is trusted without a Redis read; a revocation "
          "reaches other registry replicas within this time.");
ABSL_FLAG(double, rate_limit, 200,
          "Calls per second each non-admin principal may make on average (0: no "
          "limit); more get RESOURCE_EXHAUSTED.");
ABSL_FLAG(double, rate_burst, 400, "Largest burst of calls per non-admin principal.");
ABSL_FLAG(absl::Duration, audit_retention, absl::Hours(24 * 400),
          "How long audit events are kept (at least 1h). Replicas share one audit "
          "log: the shortest retention among them is what it keeps.");
ABSL_FLAG(int64_t, audit_max_bytes, 0,
          "Most memory the audit log may take in Redis; checked each minute, over it "
          "its oldest events are dropped (and that is logged). 0: half of Redis' "
          "maxmemory, no cap when Redis has none. Every write and every read of "
          "personal data is an event of ~350 bytes.");
ABSL_FLAG(double, audit_anonymous_rate, 10,
          "Events of calls refused for no or bad credentials recorded per second per "
          "peer host (an IPv6 host by its /64), and of calls refused over the rate "
          "limit per principal, in bursts of ten times that; the rest are counted in "
          "the log once a minute (0: all recorded).");
ABSL_FLAG(absl::Duration, min_client_ping_interval, absl::Seconds(10),
          "Shortest interval at which clients may send keepalive pings on an idle "
          "connection (e.g. a quiet WatchChanges stream); a client pinging more often is "
          "disconnected. samenspel-matching pings every --registry_keepalive (30s).");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(10),
          "On SIGTERM (after --shutdown_delay), how long in-flight calls may take "
          "before they are cancelled.");
ABSL_FLAG(absl::Duration, shutdown_delay, absl::ZeroDuration(),
          "On SIGTERM, health turns NOT_SERVING at once, and calls are still served "
          "this long before the drain, so that load balancers (Kubernetes) take the "
          "replica out first; a second signal ends the wait.");

namespace samenspel::registry {
namespace {

// Everything main() needs, with defaults documented by the flags above.
struct RegistryServerOptions {
  std::string listen;
  std::string health_listen;
  bool memory_store = false;
  RedisStoreOptions redis;
  int max_message_bytes = 0;
  int workers = 0;
  int max_waiting_calls = 0;
  WatchLimits watch_limits;
  ServerSecurityOptions security;
  AccessControlOptions access;
  RateLimiterOptions rate_limit;
  AuditLogOptions audit;
  int64_t audit_max_bytes = 0;  // see --audit_max_bytes
  absl::Duration drain_timeout;
  absl::Duration shutdown_delay;
};

[[noreturn]] void Fail(const std::string& message) {
  samenspel::LogLine(message);
  std::exit(2);
}

RegistryServerOptions OptionsFromFlags() {
  RegistryServerOptions o;
  o.listen = absl::GetFlag(FLAGS_listen);
  o.health_listen = absl::GetFlag(FLAGS_health_listen);
  for (absl::Status s :
       {CheckAddressFlag("listen", o.listen, true),
        o.health_listen.empty()
            ? absl::OkStatus()
            : CheckAddressFlag("health_listen", o.health_listen, true)}) {
    if (!s.ok()) Fail(std::string(s.message()));
  }
  const std::string redis = absl::GetFlag(FLAGS_redis);
  if (redis == "memory") {
    o.memory_store = true;
  } else {
    std::vector<std::string> parts = absl::StrSplit(redis, absl::MaxSplits(':', 1));
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &o.redis.port) ||
        parts[0].empty() || o.redis.port < 1 || o.redis.port > 65535) {
      Fail(absl::StrCat("--redis must be host:port or 'memory', got '", redis, "'"));
    }
    o.redis.host = parts[0];
  }
  o.redis.password = absl::GetFlag(FLAGS_redis_password);
  if (const char* env = std::getenv("SAMENSPEL_REDIS_PASSWORD");
      env && o.redis.password.empty()) {
    o.redis.password = env;
  }
  if (!absl::GetFlag(FLAGS_redis_password_file).empty()) {
    absl::StatusOr<std::string> password =
        ReadFile(absl::GetFlag(FLAGS_redis_password_file));
    if (!password.ok())
      Fail(absl::StrCat("--redis_password_file: ", password.status().message()));
    o.redis.password = std::string(absl::StripTrailingAsciiWhitespace(*password));
    if (o.redis.password.empty()) {
      Fail(absl::StrCat("--redis_password_file: ",
                        absl::GetFlag(FLAGS_redis_password_file), " is empty"));
    }
  }
  if (const std::string sentinels = absl::GetFlag(FLAGS_redis_sentinels);
      !sentinels.empty()) {
    if (o.memory_store) Fail("--redis_sentinels cannot be used with --redis=memory");
    RedisSentinelOptions sentinel;
    sentinel.addresses = absl::StrSplit(sentinels, ',', absl::SkipWhitespace());
    for (std::string& address : sentinel.addresses) {
      address = std::string(absl::StripAsciiWhitespace(address));
    }
    sentinel.master_name = absl::GetFlag(FLAGS_redis_sentinel_master);
    if (const char* env = std::getenv("SAMENSPEL_REDIS_SENTINEL_PASSWORD")) {
      sentinel.password = env;
    }
    if (!absl::GetFlag(FLAGS_redis_sentinel_password_file).empty()) {
      absl::StatusOr<std::string> password =
          ReadFile(absl::GetFlag(FLAGS_redis_sentinel_password_file));
      if (!password.ok()) {
        Fail(absl::StrCat("--redis_sentinel_password_file: ",
                          password.status().message()));
      }
      sentinel.password = std::string(absl::StripTrailingAsciiWhitespace(*password));
    }
    sentinel.connect_timeout = o.redis.connect_timeout;
    sentinel.command_timeout = o.redis.command_timeout;
    sentinel.primary_password = o.redis.password;
    absl::StatusOr<std::shared_ptr<RedisSentinel>> created =
        RedisSentinel::Create(std::move(sentinel));
    if (!created.ok()) {
      Fail(absl::StrCat("--redis_sentinels: ", created.status().message()));
    }
    o.redis.sentinel = *std::move(created);
  }
  const int cache_mb = absl::GetFlag(FLAGS_redis_cache_mb);
  if (cache_mb < 0 || cache_mb > (1 << 20))
    Fail("--redis_cache_mb must be between 0 and 1048576 (1 TiB)");
  o.redis.record_cache_bytes = static_cast<size_t>(cache_mb) << 20;
  o.redis.wait_replicas = absl::GetFlag(FLAGS_redis_wait_replicas);
  o.redis.wait_timeout = absl::GetFlag(FLAGS_redis_wait_timeout);
  if (o.redis.wait_replicas < 0) Fail("--redis_wait_replicas must be at least 0");
  if (o.redis.wait_replicas > 0 && (o.redis.wait_timeout < absl::Milliseconds(1) ||
                                    o.redis.wait_timeout > o.redis.command_timeout / 2)) {
    Fail(absl::StrCat("--redis_wait_timeout must be between 1ms and ",
                      absl::FormatDuration(o.redis.command_timeout / 2),
                      " (half of a Redis command's timeout)"));
  }
  o.redis.db = absl::GetFlag(FLAGS_redis_db);
  o.redis.key_prefix = absl::GetFlag(FLAGS_redis_key_prefix);
  o.redis.pool_size = absl::GetFlag(FLAGS_redis_pool_size);
  o.redis.feed_retention = absl::GetFlag(FLAGS_feed_retention);
  if (o.redis.pool_size < 1) Fail("--redis_pool_size must be at least 1");
  if (o.redis.key_prefix.empty()) Fail("--redis_key_prefix must not be empty");
  if (o.redis.feed_retention < 1) Fail("--feed_retention must be at least 1");
  o.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  if (o.max_message_bytes < 1024) Fail("--max_message_bytes must be at least 1024");
  o.workers = absl::GetFlag(FLAGS_workers);
  if (o.workers < 1 || o.workers > 4096) Fail("--workers must be between 1 and 4096");
  o.max_waiting_calls = absl::GetFlag(FLAGS_max_waiting_calls);
  if (o.max_waiting_calls < 1) Fail("--max_waiting_calls must be at least 1");
  o.watch_limits.max_watches = absl::GetFlag(FLAGS_max_watches);
  o.watch_limits.max_watches_per_caller = absl::GetFlag(FLAGS_max_watches_per_caller);
  if (o.watch_limits.max_watches < 1 || o.watch_limits.max_watches_per_caller < 1) {
    Fail("--max_watches and --max_watches_per_caller must be at least 1");
  }
  o.security.insecure = absl::GetFlag(FLAGS_insecure);
  o.security.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  o.security.tls_key = absl::GetFlag(FLAGS_tls_key);
  o.security.client_ca = absl::GetFlag(FLAGS_client_ca);
  o.security.reload_interval = absl::GetFlag(FLAGS_tls_reload_interval);
  if (o.security.reload_interval < absl::ZeroDuration())
    Fail("--tls_reload_interval must not be negative");
  if (!absl::GetFlag(FLAGS_admin_token_file).empty()) {
    absl::StatusOr<std::string> token = ReadFile(absl::GetFlag(FLAGS_admin_token_file));
    if (!token.ok()) Fail(absl::StrCat("--admin_token_file: ", token.status().message()));
    o.access.bootstrap_admin_secret = std::string(absl::StripAsciiWhitespace(*token));
    if (o.access.bootstrap_admin_secret.size() < 32) {
      Fail("--admin_token_file: the token must have at least 32 characters");
    }
  }
  o.access.admin_oins = absl::GetFlag(FLAGS_admin_oins);
  const std::string cert_role = absl::GetFlag(FLAGS_client_cert_role);
  if (cert_role == "editor") {
    o.access.certificate_role = v1::ROLE_EDITOR;
  } else if (cert_role == "reader") {
    o.access.certificate_role = v1::ROLE_READER;
  } else {
    Fail("--client_cert_role must be editor or reader (admins: --admin_oins)");
  }
  o.access.cache_ttl = absl::GetFlag(FLAGS_token_cache_ttl);
  if (o.access.cache_ttl < absl::ZeroDuration())
    Fail("--token_cache_ttl must not be negative");
  o.rate_limit.rate = absl::GetFlag(FLAGS_rate_limit);
  if (!(o.rate_limit.rate >= 0)) Fail("--rate_limit must not be negative (0: no limit)");
  o.rate_limit.burst = absl::GetFlag(FLAGS_rate_burst);
  if (!(o.rate_limit.burst >= 1)) Fail("--rate_burst must be at least 1");
  if (absl::GetFlag(FLAGS_min_client_ping_interval) < absl::ZeroDuration())
    Fail("--min_client_ping_interval must not be negative");
  o.audit.retention = absl::GetFlag(FLAGS_audit_retention);
  // 0 does not mean "no limit" here, as it does for other flags: it would
  // trim the shared audit log to nothing with the next event.
  if (o.audit.retention < absl::Hours(1)) Fail("--audit_retention must be at least 1h");
  o.audit_max_bytes = absl::GetFlag(FLAGS_audit_max_bytes);
  if (o.audit_max_bytes < 0) Fail("--audit_max_bytes must not be negative");
  o.audit.anonymous_per_second = absl::GetFlag(FLAGS_audit_anonymous_rate);
  if (!(o.audit.anonymous_per_second >= 0)) {
    Fail("--audit_anonymous_rate must not be negative (0: all recorded)");
  }
  o.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  o.shutdown_delay = absl::GetFlag(FLAGS_shutdown_delay);
  if (o.drain_timeout < absl::ZeroDuration() || o.shutdown_delay < absl::ZeroDuration()) {
    Fail("--drain_timeout and --shutdown_delay must not be negative");
  }
  return o;
}

int Run(const RegistryServerOptions& o) {
  // Block the stop signals in every thread; this one waits for them.
  const sigset_t stop_signals = BlockStopSignals();
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      ServerCredentialsFor(o.security);
  if (!credentials.ok()) Fail(std::string(credentials.status().message()));

  std::unique_ptr<Store> store;
  RedisStore* redis_store = nullptr;  // `store`, when it is Redis
  if (o.memory_store) {
    samenspel::LogLine("in-memory store: data is lost on exit");
    store = std::make_unique<MemoryStore>();
  } else {
    absl::StatusOr<std::unique_ptr<RedisStore>> redis = RedisStore::Create(o.redis);
    if (!redis.ok()) Fail(std::string(redis.status().message()));
    redis_store = redis->get();
    store = *std::move(redis);
  }
  ChangeFeedOptions feed_options;
  // Never serve from memory what the store no longer retains: every replica
  // answers OUT_OF_RANGE alike.
  feed_options.cache_size = static_cast<int>(
      std::min<int64_t>(feed_options.cache_size, o.redis.feed_retention));
  ChangeFeed feed(store.get(), feed_options);

  std::unique_ptr<AccessStore> access_store;
  if (o.memory_store) {
    access_store = std::make_unique<MemoryAccessStore>();
  } else {
    RedisConnectOptions redis;
    redis.host = o.redis.host;
    redis.port = o.redis.port;
    redis.sentinel = o.redis.sentinel;
    redis.password = o.redis.password;
    redis.db = o.redis.db;
    access_store =
        std::make_unique<RedisAccessStore>(redis, o.redis.key_prefix, /*pool_size=*/4,
                                           o.redis.wait_replicas, o.redis.wait_timeout);
  }
  AccessControl access(access_store.get(), store.get(), o.access);
  RegistryOptions registry_options;
  // A token stops with its organisation, an OIN change holds, at once here.
  registry_options.organisation_changed = [&access](const std::string& organisation) {
    access.OrganisationChanged(organisation);
  };
  Registry registry(store.get(), registry_options);
  AuditLog audit(access_store.get(), o.audit);
  RateLimiter limiter(o.rate_limit);
  // DESIGN.md: an --insecure service without any credential configured is
  // open (development and the demo); otherwise every call authenticates.
  const bool open = o.security.insecure && o.access.bootstrap_admin_secret.empty() &&
                    o.security.client_ca.empty();
  std::unique_ptr<Authorizer> authorizer;
  if (open) {
    samenspel::LogLine(
        "WARNING: no credentials configured: every caller is an admin (development "
        "only)");
    authorizer = std::make_unique<OpenAuthorizer>();
  } else {
    authorizer = std::make_unique<CredentialAuthorizer>(&access, &limiter);
  }
  RegistryServiceImpl service(&registry, &feed, authorizer.get(), &audit, o.workers,
                              o.max_waiting_calls, o.watch_limits);
  AccessServiceImpl access_service(&access, authorizer.get(), &audit);

  HealthService health(
      {"samenspel.registry.v1.RegistryService", "samenspel.registry.v1.AccessService"});
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  std::unique_ptr<grpc::ServerBuilder> builder = NewServerBuilder();
  int port = 0;
  builder->AddListeningPort(o.listen, *credentials, &port);
  builder->SetMaxReceiveMessageSize(o.max_message_bytes);
  // Keepalive pings of followers on quiet WatchChanges streams are welcome.
  builder->AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      static_cast<int>(std::clamp<int64_t>(
          absl::ToInt64Milliseconds(absl::GetFlag(FLAGS_min_client_ping_interval)), 0,
          3600000)));
  // RegistryServiceImpl keeps each call's messages in its server context.
  builder->SetContextAllocator(NewCallContextAllocator());
  builder->RegisterService(&service);
  builder->RegisterService(&access_service);
  builder->RegisterService(&health);
  std::unique_ptr<grpc::Server> server = builder->BuildAndStart();
  if (!server || port == 0) {
    Fail(absl::StrCat("cannot listen on ", o.listen,
                      " (does another process listen there?)"));
  }
  samenspel::Log("listening on %s (port %d)", o.listen, port);
  std::unique_ptr<HealthServer> health_server;
  if (!o.health_listen.empty()) {
    absl::StatusOr<std::unique_ptr<HealthServer>> started =
        StartHealthServer(o.health_listen, &health);
    if (!started.ok()) Fail(std::string(started.status().message()));
    health_server = *std::move(started);
  }

  // Health follows the store: NOT_SERVING while Redis is unreachable, or
  // holds a database in a layout this registry does not know; and the TLS
  // files, which gRPC takes up when renewed: NOT_SERVING while they do not
  // hold a certificate and its key (every handshake fails meanwhile).
  absl::Notification stopping;
  std::thread health_thread([&] {
    std::string last_reason;  // none before the first check
    absl::Time settings_checked = absl::InfinitePast();
    std::vector<std::string> last_warnings;
    std::string last_cap_error;  // logged once each
    do {
      absl::Status status = store->CurrentRevision().status();
      if (status.ok()) status = samenspel::CheckTlsFiles(o.security);
      const bool serving = status.ok();
      // Set and logged when the state or, while not serving, its reason changes.
      // A hung Redis is one reason, whether the check timed out or was
      // refused at once meanwhile (an operator review: the line alternated
      // between the two, ~24 lines a minute).
      const std::string reason = serving
                                     ? "store reachable: SERVING"
                                     : absl::StrCat("NOT_SERVING: ", status.message());
      const std::string why = samenspel::ReasonOf(status);
      const std::string key =
          !serving && (why == kTimedOutReason || why == kNotAnsweringReason)
              ? "NOT_SERVING: redis does not answer"
              : reason;
      if (key != last_reason) {
        health.SetServing(serving);
        samenspel::LogLine(reason);
        last_reason = key;
      }
      // Redis settings that would lose or corrupt data: said when first
      // seen, and again when they change (each time Redis is reachable again,
      // it may be another one).
      if (redis_store != nullptr && serving &&
          (settings_checked == absl::InfinitePast() ||
           absl::Now() - settings_checked > absl::Minutes(1))) {
        settings_checked = absl::Now();
        if (absl::StatusOr<std::vector<std::string>> warnings =
                redis_store->SettingsWarnings();
            warnings.ok() && *warnings != last_warnings) {
          for (const std::string& w : *warnings) samenspel::LogLine("WARNING: " + w);
          if (warnings->empty()) samenspel::LogLine("Redis settings: fine now");
          last_warnings = *std::move(warnings);
        }
        absl::StatusOr<std::optional<std::string>> capped =
            access_store->CapAudit(o.audit_max_bytes);
        if (capped.ok() && capped->has_value()) {
          samenspel::LogLine("WARNING: " + **capped);
        }
        // Redis refuses what the cap needs (MEMORY or XTRIM renamed, or an
        // ACL without them): the audit log grows unchecked, which the
        // operator is told once (an unreachable Redis is logged elsewhere).
        if (capped.ok()) {
          last_cap_error.clear();
        } else if (!absl::IsUnavailable(capped.status())) {
          // Redis's "unknown command" names the command's arguments, which
          // change from minute to minute: the error without them.
          absl::string_view error = capped.status().message();
          error = error.substr(0, error.find(", with args"));
          if (error != last_cap_error) {
            last_cap_error = std::string(error);
            samenspel::LogLine(absl::StrCat(
                "WARNING: audit log: its size cannot be checked, so it is not capped (",
                capped.status().message(),
                "); allow MEMORY USAGE, XLEN, XTRIM and XRANGE to this registry"));
          }
        }
      }
      if (!serving) settings_checked = absl::InfinitePast();
    } while (!stopping.WaitForNotificationWithTimeout(absl::Milliseconds(250)));
  });

  const int sig = WaitForStopSignal(stop_signals);
  // NOT_SERVING first, for probes and load balancers: the health thread may
  // be waiting for a slow Redis (and its SetServing is ignored from now on).
  health.Shutdown();
  samenspel::Log("signal %d: NOT_SERVING", sig);
  stopping.Notify();
  ServeOnWhileTakenOut(stop_signals, o.shutdown_delay);
  samenspel::Log("draining");
  const absl::Time drain_start = absl::Now();
  feed.Stop();  // ends WatchChanges streams
  server->Shutdown(absl::ToChronoTime(drain_start + o.drain_timeout));
  // Probes saw NOT_SERVING while the calls drained; now they find no one.
  if (health_server) health_server->server->Shutdown(absl::ToChronoTime(absl::Now()));
  // After the drain: it may be waiting for a slow Redis (an operator review:
  // joined first, it took up to 2 s of the drain's time).
  health_thread.join();
  // The drained calls' events, before the last line (they were written, or
  // logged as lost, after "stopped").
  audit.Stop();
  samenspel::Log("stopped after %s", absl::FormatDuration(absl::Now() - drain_start));
  return 0;
}

}  // namespace
}  // namespace samenspel::registry

int main(int argc, char** argv) {
  samenspel::SetLogProgram("samenspel-registry");
  samenspel::RouteProtobufLogs();
  samenspel::ParseServerFlags(
      argc, argv,
      "The Samenspel registry: organisations, experts, task teams and challenges in "
      "Redis, with an ordered change feed.\n"
      "Example: samenspel-registry --insecure --listen=127.0.0.1:50051 "
      "--redis=127.0.0.1:6379",
      "registry-service/");
  // Debian builds Abseil without NDEBUG, which leaves absl::Mutex deadlock
  // detection on: a global graph update on every lock, a throughput limit.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return samenspel::registry::Run(samenspel::registry::OptionsFromFlags());
}
