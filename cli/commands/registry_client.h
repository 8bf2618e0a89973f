// The registry's standard methods for any resource kind, over gRPC: one
// client instead of twenty near-identical call sites. Requests and responses
// are the generated messages, built and read by reflection.
//
// Example:
//   RegistryClient client(connection);
//   absl::StatusOr<std::unique_ptr<Message>> expert =
//       client.Get(Kind::kExpert, "experts/jan");
//   std::unique_ptr<Message> request = client.NewListRequest(Kind::kExpert);
//   absl::StatusOr<int64_t> revision = client.ListAll(Kind::kExpert, *request, 1000,
//                                   [](std::unique_ptr<Message> e) { ...; return
//                                   absl::OkStatus(); });
#ifndef SAMENSPEL_CLI_COMMANDS_REGISTRY_CLIENT_H_
#define SAMENSPEL_CLI_COMMANDS_REGISTRY_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/commands/command_context.h"
#include "cli/core/resource_kind.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "samenspel/registry/v1/registry_service.grpc.pb.h"

namespace samenspel::cli {

// Thread-safe (gRPC stubs are).
class RegistryClient {
 public:
  explicit RegistryClient(const Connection* connection);

  // Create*: `resource` with the given id (empty: the registry chooses) and
  // request id (empty: none).
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Create(
      Kind kind, const google::protobuf::Message& resource, absl::string_view id,
      absl::string_view request_id);
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Get(Kind kind,
                                                                 absl::string_view name);
  // Update*: `resource` names the resource (and may carry an etag).
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Update(
      Kind kind, const google::protobuf::Message& resource,
      const google::protobuf::FieldMask& mask);
  absl::Status Delete(Kind kind, absl::string_view name, absl::string_view etag);

  // An empty List*Request of `kind`, for setting filters by reflection.
  static std::unique_ptr<google::protobuf::Message> NewListRequest(Kind kind);

  struct Page {
    std::vector<std::unique_ptr<google::protobuf::Message>> resources;
    std::string next_page_token;
    int64_t revision = 0;
  };
  // One page for `request` (a List*Request of `kind`, page_size and
  // page_token set by the caller).
  absl::StatusOr<Page> List(Kind kind, const google::protobuf::Message& request);
  // Every page from `request`'s page_token on, `page_size` per call; calls
  // `visit` for each resource and stops at its first error. Returns the
  // first page's revision: what was listed is consistent with it, and a
  // watch after it follows every change since (List's contract).
  absl::StatusOr<int64_t> ListAll(
      Kind kind, google::protobuf::Message& request, int page_size,
      const std::function<absl::Status(std::unique_ptr<google::protobuf::Message>)>&
          visit);

  absl::StatusOr<registry::v1::BatchCreateExpertsResponse> BatchCreateExperts(
      const registry::v1::BatchCreateExpertsRequest& request);
  absl::StatusOr<registry::v1::TaskTeam> AddTeamMember(
      const registry::v1::AddTeamMemberRequest& request);
  absl::StatusOr<registry::v1::TaskTeam> RemoveTeamMember(
      const registry::v1::RemoveTeamMemberRequest& request);

  // For WatchChanges.
  registry::v1::RegistryService::Stub& stub() { return *stub_; }

 private:
  using Message = google::protobuf::Message;
  using Rpc = grpc::Status (*)(registry::v1::RegistryService::Stub&, grpc::ClientContext*,
                               const Message&, Message*);
  // Calls `rpc` with a fresh context; the response is a new `response_type`.
  absl::StatusOr<std::unique_ptr<Message>> Call(Rpc rpc, const Message& request,
                                                const Message& response_prototype);

  const Connection* connection_;
  std::unique_ptr<registry::v1::RegistryService::Stub> stub_;
};

// The `revision` field of a resource (0 when it has none).
int64_t RevisionOf(const google::protobuf::Message& resource);
// The `name` field of a resource.
std::string NameOf(const google::protobuf::Message& resource);

}  // namespace samenspel::cli

#endif  // SAMENSPEL_CLI_COMMANDS_REGISTRY_CLIENT_H_
