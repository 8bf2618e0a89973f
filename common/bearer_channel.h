// A channel whose every call carries `authorization: Bearer <token>`, for a
// service calling another (samenspel-matching following the registry). An
// interceptor rather than call credentials: gRPC refuses call credentials on
// plaintext channels, and local development runs plaintext.
#ifndef SAMENSPEL_COMMON_BEARER_CHANNEL_H_
#define SAMENSPEL_COMMON_BEARER_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace samenspel {

// Like grpc::CreateCustomChannel; without a token, a plain channel.
std::shared_ptr<grpc::Channel> CreateChannelWithBearer(
    const std::string& target, const std::shared_ptr<grpc::ChannelCredentials>& creds,
    const grpc::ChannelArguments& args, const std::string& token);

// Whether a gRPC target (host:port, [v6]:port, dns:///host:port, ipv4:...,
// unix:path) stays on this machine: a bearer token may go there in
// plaintext, and nowhere else without TLS. Only "localhost" and addresses in
// 127.0.0.0/8 or ::1 count: names are not resolved, so "127.x.example" is
// not this machine, nor is a list of addresses with one elsewhere.
bool IsLoopbackTarget(absl::string_view target);

}  // namespace samenspel

#endif  // SAMENSPEL_COMMON_BEARER_CHANNEL_H_
