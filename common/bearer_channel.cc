#include "common/bearer_channel.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/client_interceptor.h"

namespace samenspel {
namespace {

class BearerInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit BearerInterceptor(const std::string* header) : header_(header) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({"authorization", *header_});
    }
    methods->Proceed();
  }

 private:
  const std::string* header_;
};

class BearerInterceptorFactory
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerInterceptorFactory(std::string token)
      : header_("Bearer " + std::move(token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new BearerInterceptor(&header_);
  }

 private:
  const std::string header_;  // lives as long as the channel
};

}  // namespace

std::shared_ptr<grpc::Channel> CreateChannelWithBearer(
    const std::string& target, const std::shared_ptr<grpc::ChannelCredentials>& creds,
    const grpc::ChannelArguments& args, const std::string& token) {
  if (token.empty()) return grpc::CreateCustomChannel(target, creds, args);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      factories;
  factories.push_back(std::make_unique<BearerInterceptorFactory>(token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(target, creds, args,
                                                                 std::move(factories));
}

namespace {

// Whether `host` (a name or an address, IPv6 with or without brackets) is
// this machine: "localhost", or an IP address in 127.0.0.0/8 or ::1. Other
// names are not resolved: one that only looks like a loopback address
// ("127.evil.example") is not one.
bool IsLoopbackHost(std::string host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  host = absl::AsciiStrToLower(host);
  if (host == "localhost") return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

// The host of "host:port", "[v6]:port", "host" or a bare IPv6 address.
std::string HostOf(absl::string_view address) {
  if (absl::StartsWith(address, "["))
    return std::string(address.substr(0, address.find(']') + 1));
  const size_t colon = address.find(':');
  if (colon == absl::string_view::npos ||
      address.find(':', colon + 1) != absl::string_view::npos) {
    return std::string(address);  // no port, or an IPv6 address without brackets
  }
  return std::string(address.substr(0, colon));
}

}  // namespace

bool IsLoopbackTarget(absl::string_view target) {
  if (absl::StartsWith(target, "unix:") || absl::StartsWith(target, "unix-abstract:")) {
    return true;
  }
  if (absl::ConsumePrefix(&target, "ipv4:") || absl::ConsumePrefix(&target, "ipv6:")) {
    // A list of addresses: every one must be this machine.
    std::vector<absl::string_view> addresses = absl::StrSplit(target, ',');
    return std::all_of(addresses.begin(), addresses.end(),
                       [](absl::string_view a) { return IsLoopbackHost(HostOf(a)); });
  }
  // "dns:///host:port"; a DNS authority ("dns://8.8.8.8/host") or any other
  // scheme is not known to stay here.
  if (absl::ConsumePrefix(&target, "dns:")) {
    if (!absl::ConsumePrefix(&target, "///")) return false;
  } else if (target.find("://") != absl::string_view::npos) {
    return false;
  }
  return IsLoopbackHost(HostOf(target));
}

}  // namespace samenspel
