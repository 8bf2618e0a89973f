#include "cli/commands/registry_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "google/protobuf/empty.pb.h"

namespace samenspel::cli {
namespace {

namespace v1 = ::samenspel::registry::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using Stub = v1::RegistryService::Stub;
using Rpc = grpc::Status (*)(Stub&, grpc::ClientContext*, const Message&, Message*);

template <typename Request, typename Response,
          grpc::Status (Stub::*kMethod)(grpc::ClientContext*, const Request&, Response*)>
grpc::Status Invoke(Stub& stub, grpc::ClientContext* context, const Message& request,
                    Message* response) {
  return (stub.*kMethod)(context, static_cast<const Request&>(request),
                         static_cast<Response*>(response));
}

// The five standard methods of one kind, with their message types.
struct KindRpcs {
  Rpc create;
  Rpc get;
  Rpc list;
  Rpc update;
  Rpc remove;
  const Message& create_request;
  const Message& get_request;
  const Message& list_request;
  const Message& update_request;
  const Message& delete_request;
  const Message& resource;
  const Message& list_response;
};

#define SAMENSPEL_KIND_RPCS(Singular, Resource, Plural)                                  \
  KindRpcs {                                                                             \
    &Invoke<v1::Create##Singular##Request, v1::Resource, &Stub::Create##Singular>,       \
        &Invoke<v1::Get##Singular##Request, v1::Resource, &Stub::Get##Singular>,         \
        &Invoke<v1::List##Plural##Request, v1::List##Plural##Response,                   \
                &Stub::List##Plural>,                                                    \
        &Invoke<v1::Update##Singular##Request, v1::Resource, &Stub::Update##Singular>,   \
        &Invoke<v1::Delete##Singular##Request, google::protobuf::Empty,                  \
                &Stub::Delete##Singular>,                                                \
        v1::Create##Singular##Request::default_instance(),                               \
        v1::Get##Singular##Request::default_instance(),                                  \
        v1::List##Plural##Request::default_instance(),                                   \
        v1::Update##Singular##Request::default_instance(),                               \
        v1::Delete##Singular##Request::default_instance(),                               \
        v1::Resource::default_instance(), v1::List##Plural##Response::default_instance() \
  }

const KindRpcs& RpcsFor(Kind kind) {
  static const KindRpcs kRpcs[] = {
      SAMENSPEL_KIND_RPCS(Organisation, Organisation, Organisations),
      SAMENSPEL_KIND_RPCS(Expert, Expert, Experts),
      SAMENSPEL_KIND_RPCS(Team, TaskTeam, Teams),
      SAMENSPEL_KIND_RPCS(Challenge, Challenge, Challenges),
  };
  return kRpcs[static_cast<int>(kind)];
}

#undef SAMENSPEL_KIND_RPCS

const FieldDescriptor& Field(const Message& message, absl::string_view name) {
  const FieldDescriptor* field =
      message.GetDescriptor()->FindFieldByName(std::string(name));
  // The names used here are the protos' (registry_service.proto): a missing
  // one is a programming error.
  if (field == nullptr) std::abort();
  return *field;
}

void SetString(Message& message, absl::string_view field, absl::string_view value) {
  message.GetReflection()->SetString(&message, &Field(message, field),
                                     std::string(value));
}

Message& MutableMessage(Message& message, absl::string_view field) {
  return *message.GetReflection()->MutableMessage(&message, &Field(message, field));
}

std::unique_ptr<Message> New(const Message& prototype) {
  return std::unique_ptr<Message>(prototype.New());
}

}  // namespace

int64_t RevisionOf(const Message& resource) {
  return resource.GetReflection()->GetInt64(resource, &Field(resource, "revision"));
}

std::string NameOf(const Message& resource) {
  return resource.GetReflection()->GetString(resource, &Field(resource, "name"));
}

RegistryClient::RegistryClient(const Connection* connection)
    : connection_(connection),
      stub_(v1::RegistryService::NewStub(connection->Channel(Service::kRegistry))) {}

absl::StatusOr<std::unique_ptr<Message>> RegistryClient::Call(
    Rpc rpc, const Message& request, const Message& response_prototype) {
  std::unique_ptr<grpc::ClientContext> context = connection_->NewContext();
  std::unique_ptr<Message> response = New(response_prototype);
  grpc::Status status = rpc(*stub_, context.get(), request, response.get());
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<std::unique_ptr<Message>> RegistryClient::Create(
    Kind kind, const Message& resource, absl::string_view id,
    absl::string_view request_id) {
  const KindRpcs& rpcs = RpcsFor(kind);
  const KindInfo& info = InfoFor(kind);
  std::unique_ptr<Message> request = New(rpcs.create_request);
  MutableMessage(*request, info.singular).CopyFrom(resource);
  SetString(*request, absl::StrCat(info.singular, "_id"), id);
  SetString(*request, "request_id", request_id);
  return Call(rpcs.create, *request, rpcs.resource);
}

absl::StatusOr<std::unique_ptr<Message>> RegistryClient::Get(Kind kind,
                                                             absl::string_view name) {
  const KindRpcs& rpcs = RpcsFor(kind);
  std::unique_ptr<Message> request = New(rpcs.get_request);
  SetString(*request, "name", name);
  return Call(rpcs.get, *request, rpcs.resource);
}

absl::StatusOr<std::unique_ptr<Message>> RegistryClient::Update(
    Kind kind, const Message& resource, const google::protobuf::FieldMask& mask) {
  const KindRpcs& rpcs = RpcsFor(kind);
  std::unique_ptr<Message> request = New(rpcs.update_request);
  MutableMessage(*request, InfoFor(kind).singular).CopyFrom(resource);
  MutableMessage(*request, "update_mask").CopyFrom(mask);
  return Call(rpcs.update, *request, rpcs.resource);
}

absl::Status RegistryClient::Delete(Kind kind, absl::string_view name,
                                    absl::string_view etag) {
  const KindRpcs& rpcs = RpcsFor(kind);
  std::unique_ptr<Message> request = New(rpcs.delete_request);
  SetString(*request, "name", name);
  SetString(*request, "etag", etag);
  return Call(rpcs.remove, *request, google::protobuf::Empty::default_instance())
      .status();
}

std::unique_ptr<Message> RegistryClient::NewListRequest(Kind kind) {
  return New(RpcsFor(kind).list_request);
}

absl::StatusOr<RegistryClient::Page> RegistryClient::List(Kind kind,
                                                          const Message& request) {
  const KindRpcs& rpcs = RpcsFor(kind);
  absl::StatusOr<std::unique_ptr<Message>> response =
      Call(rpcs.list, request, rpcs.list_response);
  if (!response.ok()) return response.status();
  Message& r = **response;
  const google::protobuf::Reflection* reflection = r.GetReflection();
  const FieldDescriptor& items = Field(r, InfoFor(kind).collection);
  Page page;
  while (reflection->FieldSize(r, &items) > 0) {
    page.resources.emplace_back(reflection->ReleaseLast(&r, &items));
  }
  std::reverse(page.resources.begin(), page.resources.end());
  page.next_page_token = reflection->GetString(r, &Field(r, "next_page_token"));
  page.revision = reflection->GetInt64(r, &Field(r, "revision"));
  return page;
}

absl::StatusOr<int64_t> RegistryClient::ListAll(
    Kind kind, Message& request, int page_size,
    const std::function<absl::Status(std::unique_ptr<Message>)>& visit) {
  request.GetReflection()->SetInt32(&request, &Field(request, "page_size"), page_size);
  int64_t revision = -1;
  for (;;) {
    absl::StatusOr<Page> page = List(kind, request);
    if (!page.ok()) return page.status();
    if (revision < 0) revision = page->revision;
    for (std::unique_ptr<Message>& resource : page->resources) {
      absl::Status status = visit(std::move(resource));
      if (!status.ok()) return status;
    }
    if (page->next_page_token.empty()) return revision;
    SetString(request, "page_token", page->next_page_token);
  }
}

absl::StatusOr<v1::BatchCreateExpertsResponse> RegistryClient::BatchCreateExperts(
    const v1::BatchCreateExpertsRequest& request) {
  return CallUnary(*connection_, *stub_, &Stub::BatchCreateExperts, request);
}

absl::StatusOr<v1::TaskTeam> RegistryClient::AddTeamMember(
    const v1::AddTeamMemberRequest& request) {
  return CallUnary(*connection_, *stub_, &Stub::AddTeamMember, request);
}

absl::StatusOr<v1::TaskTeam> RegistryClient::RemoveTeamMember(
    const v1::RemoveTeamMemberRequest& request) {
  return CallUnary(*connection_, *stub_, &Stub::RemoveTeamMember, request);
}

}  // namespace samenspel::cli
