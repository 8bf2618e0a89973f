// A channel whose every call carries `authorization: Bearer <token>`, for a
// service calling another (samenspel-matching following the registry). An
// interceptor rather than call credentials: gRPC refuses call credentials on
// plaintext channels, and local development runs plaintext.
#ifndef SAMENSPEL_COMMON_BEARER_CHANNEL_H_
#define SAMENSPEL_COMMON_BEARER_CHANNEL_H_

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace samenspel {

// Like grpc::CreateCustomChannel; without a token, a plain channel.
std::shared_ptr<grpc::Channel> CreateChannelWithBearer(
    const std::string& target, const std::shared_ptr<grpc::ChannelCredentials>& creds,
    const grpc::ChannelArguments& args, const std::string& token);

}  // namespace samenspel

#endif  // SAMENSPEL_COMMON_BEARER_CHANNEL_H_
