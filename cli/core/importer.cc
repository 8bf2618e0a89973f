#include "cli/core/importer.h"

#include <openssl/sha.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/core/error_text.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/error_details.pb.h"

namespace samenspel::cli {
namespace {

using ItemList = std::vector<const ImportItem*>;

constexpr absl::string_view kBadRequestUrl = "type.googleapis.com/google.rpc.BadRequest";

// "expert.skills[0].level" -> "skills[0].level"; "expert_id" -> "id".
std::string ItemField(absl::string_view path, absl::string_view singular) {
  if (absl::ConsumePrefix(&path, singular)) {
    if (path.empty()) return "";
    if (path == "_id") return "id";
    if (absl::ConsumePrefix(&path, ".")) return std::string(path);
    return absl::StrCat(singular, path);
  }
  return std::string(path);
}

// Errors that are not about the record sent but about the registry or the
// connection (UNAVAILABLE, DEADLINE_EXCEEDED, UNAUTHENTICATED, ...): going on
// with the next record would fail the same way. PERMISSION_DENIED is about
// the record (an editor may write their own organisation's records only),
// unless every record is refused (see kDeniedBeforeStop).
bool StopsImport(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kPermissionDenied:
      return false;
    default:
      return true;
  }
}

// Records refused PERMISSION_DENIED, with none created or found before them,
// after which the caller evidently may not write any: the import stops.
constexpr int kDeniedBeforeStop = 10;

// How often one record is created again after being deleted (CreateOne).
constexpr int kMaxCreatesAgain = 20;

// The registry asks the caller to slow down (its rate limit for the caller,
// or its queue of calls is full): the call is retried, not the record failed.
bool Throttled(const absl::Status& status) {
  if (!absl::IsResourceExhausted(status)) return false;
  const std::string reason = ReasonOf(status);
  return reason == "RATE_LIMITED" || reason == "OVERLOADED";
}

// Calls `call` until it is not throttled, waiting as the registry says
// ("retry in N ms") or with a doubling backoff; gives up after 2 minutes of
// waiting and returns the last answer.
template <typename Call>
auto Retrying(Call call) -> decltype(call()) {
  absl::Duration backoff = absl::Milliseconds(50);
  absl::Duration waited;
  for (;;) {
    auto result = call();
    if (result.ok() || !Throttled(result.status()) || waited > absl::Minutes(2)) {
      return result;
    }
    absl::Duration wait = backoff;
    absl::string_view message = result.status().message();
    int64_t ms;
    if (const size_t at = message.find("retry in "); at != absl::string_view::npos) {
      absl::string_view rest = message.substr(at + 9);
      if (const size_t end = rest.find(" ms");
          end != absl::string_view::npos && absl::SimpleAtoi(rest.substr(0, end), &ms)) {
        wait = absl::Milliseconds(std::clamp<int64_t>(ms, 1, 5000));
      }
    }
    absl::SleepFor(wait);
    waited += wait;
    backoff = std::min(backoff * 2, absl::Seconds(5));
  }
}

// How an import line differs from the registry's resource under its id.
struct Comparison {
  // The writable fields the line gives that the registry has otherwise.
  std::vector<std::string> differ;
  // The organisation the registry's resource belongs to, when it is not the
  // one the line names.
  std::string other_owner;
};

class ImportRun {
 public:
  ImportRun(Kind kind, ImportTarget& target, const ImportOptions& options)
      : info_(InfoFor(kind)), target_(target), options_(options) {}

  ImportSummary Run(RecordReader& reader) {
    absl::StatusOr<int64_t> revision =
        Retrying([&] { return target_.CurrentRevision(info_.kind); });
    if (!revision.ok()) {
      summary_.stopped = revision.status();
      return summary_;
    }
    start_revision_ = *revision;
    InputRecord record;
    while (summary_.stopped.ok() && reader.Next(&record)) {
      ++summary_.read;
      if (!record.problems.empty()) {
        for (const FieldProblem& p : record.problems)
          Report(record.line, p.field, p.reason);
        ++summary_.failed;
      } else {
        ImportItem item;
        item.line = record.line;
        item.id = record.id;
        item.request_id = RequestIdFor(info_.kind, record.id, *record.resource);
        item.resource = std::move(record.resource);
        item.given = std::move(record.given);
        Add(std::move(item));
      }
      if (batch_.empty() && singles_.empty()) FlushReports();
      if (options_.on_progress)
        options_.on_progress({summary_.read, reader.bytes_read()});
    }
    if (summary_.stopped.ok()) SendBatch();
    if (summary_.stopped.ok()) SendSingles();
    FlushReports();
    return summary_;
  }

 private:
  // Experts with an id are batched. Everything else is created one by one
  // (several at a time): a batch is replayed only when exactly the same batch
  // is sent again, while a single create's request id finds its earlier
  // result however the input is split.
  void Add(ImportItem item) {
    const bool batched = info_.kind == Kind::kExpert && !item.id.empty();
    // A batch never holds one id twice: the registry refuses such a batch
    // item with words of its own ("the same id appears earlier in this
    // batch", and again for the request_id); sent in the next batch, the
    // second is reported as the id of the first's line, as for other kinds.
    if (batched && !batch_ids_.insert(item.id).second) {
      SendBatch();
      batch_ids_.insert(item.id);
    }
    std::vector<ImportItem>& pending = batched ? batch_ : singles_;
    pending.push_back(std::move(item));
    if (static_cast<int>(pending.size()) < options_.batch_size) return;
    if (batched) {
      SendBatch();
    } else {
      SendSingles();
    }
  }

  static ItemList Pointers(const std::vector<ImportItem>& items) {
    ItemList pointers;
    for (const ImportItem& item : items) pointers.push_back(&item);
    return pointers;
  }

  void SendBatch() {
    if (!batch_.empty()) Send(Pointers(batch_));
    batch_.clear();
    batch_ids_.clear();
  }

  void SendSingles() {
    CreateEach(Pointers(singles_));
    singles_.clear();
  }

  void Send(ItemList items) {
    while (!items.empty() && summary_.stopped.ok()) {
      absl::StatusOr<std::vector<int64_t>> revisions =
          Retrying([&] { return target_.BatchCreateExperts(items); });
      if (revisions.ok()) {
        for (size_t i = 0; i < items.size() && i < revisions->size(); ++i) {
          NoteCreated(*items[i], (*revisions)[i]);
        }
        for (size_t i = 0; i < items.size() && i < revisions->size(); ++i) {
          CountResult(*items[i], (*revisions)[i]);
        }
        return;
      }
      const absl::Status& status = revisions.status();
      if (absl::IsInvalidArgument(status)) {
        std::map<int, std::vector<ItemViolation>> bad;
        for (ItemViolation& v : ItemViolations(status, info_.singular)) {
          if (v.index >= 0 && v.index < static_cast<int>(items.size())) {
            bad[v.index].push_back(std::move(v));
          }
        }
        // Not about any one item: find the culprits one by one.
        if (bad.empty()) break;
        ItemList good;
        for (int i = 0; i < static_cast<int>(items.size()); ++i) {
          auto it = bad.find(i);
          if (it == bad.end()) {
            good.push_back(items[i]);
            continue;
          }
          for (const ItemViolation& v : it->second) {
            Report(items[i]->line, v.field, v.description);
          }
          ++summary_.failed;
        }
        items = std::move(good);
        continue;
      }
      if (absl::IsResourceExhausted(status) && !Throttled(status) && items.size() > 1) {
        // Too large for one message: halve it.
        const auto middle = items.begin() + static_cast<long>(items.size() / 2);
        Send(ItemList(items.begin(), middle));
        Send(ItemList(middle, items.end()));
        return;
      }
      if (StopsImport(status)) {
        summary_.stopped = status;
        return;
      }
      // Some record already exists, or may not be written by this caller, or
      // is otherwise at fault: one by one.
      break;
    }
    if (summary_.stopped.ok()) CreateEach(std::move(items));
  }

  // Creates each item on its own, `parallelism` calls at a time, and counts
  // the results in item order. After an error that stops the import no new
  // call starts; those in flight are still counted, and the import is
  // reported stopped (summary_.stopped) when any item was left untried, so
  // no record goes uncounted. A stop for PERMISSION_DENIED answers before
  // anything was accepted is taken back when a call in flight then succeeds
  // (the caller may write some records after all): the untried items are
  // sent too.
  void CreateEach(ItemList items) {
    if (items.empty()) return;
    std::vector<std::optional<absl::StatusOr<int64_t>>> results(items.size());
    std::vector<size_t> todo(items.size());
    for (size_t i = 0; i < items.size(); ++i) todo[i] = i;
    absl::Status stop_status;
    for (;;) {
      std::atomic<size_t> next{0};
      std::atomic<bool> stop{false};
      std::mutex stop_mu;
      bool stopped_for_denials = false;
      auto stop_with = [&](const absl::Status& status, bool denials) {
        std::lock_guard<std::mutex> lock(stop_mu);
        if (!stop) {
          stop_status = status;
          stopped_for_denials = denials;
        }
        stop = true;
      };
      auto work = [&] {
        for (size_t k = next++; k < todo.size() && !stop; k = next++) {
          const size_t i = todo[k];
          results[i] = CreateOne(*items[i]);
          const absl::Status& status = results[i]->status();
          if (absl::IsAlreadyExists(status)) {
            // Compared here, in parallel: one read per record already there.
            absl::StatusOr<Comparison> compared = Compare(*items[i]);
            std::lock_guard<std::mutex> lock(compared_mu_);
            compared_.insert_or_assign(items[i]->line, std::move(compared));
          }
          if (status.ok() || absl::IsAlreadyExists(status)) {
            accepted_ = true;
          } else if (StopsImport(status)) {
            stop_with(status, false);
          } else if (absl::IsPermissionDenied(status) && !accepted_ &&
                     ++denied_ >= kDeniedBeforeStop) {
            stop_with(status, true);
          }
        }
      };
      std::vector<std::thread> threads;
      const size_t helpers =
          std::min<size_t>(todo.size(), std::max(options_.parallelism, 1)) - 1;
      for (size_t i = 0; i < helpers; ++i) threads.emplace_back(work);
      work();
      for (std::thread& thread : threads) thread.join();
      std::vector<size_t> untried;
      for (size_t i : todo) {
        if (!results[i].has_value()) untried.push_back(i);
      }
      if (untried.empty()) break;
      if (stopped_for_denials && accepted_) {
        todo = std::move(untried);
        continue;
      }
      if (summary_.stopped.ok()) summary_.stopped = stop_status;
      break;
    }
    // Creates first (calls in parallel may have created a later line's
    // record before an earlier line with the same id asked), then in order.
    for (size_t i = 0; i < items.size(); ++i) {
      if (results[i].has_value() && results[i]->ok())
        NoteCreated(*items[i], **results[i]);
    }
    for (size_t i = 0; i < items.size(); ++i) {
      if (results[i].has_value()) CountResult(*items[i], *results[i]);
    }
  }

  // Creates `item`; while the registry answers that the record's request id
  // created a resource that has been deleted since (the record was imported
  // before and deleted), again under the next request id derived from it
  // ("<id>/2", "/3", ...). Every run derives the same ones, so running an
  // import again still creates nothing twice.
  absl::StatusOr<int64_t> CreateOne(const ImportItem& item) {
    absl::StatusOr<int64_t> result =
        Retrying([&] { return target_.Create(info_.kind, item); });
    for (int again = 2; again <= kMaxCreatesAgain + 1 && !result.ok() &&
                        ReasonOf(result.status()) == "CREATED_RESOURCE_DELETED";
         ++again) {
      ImportItem next;
      next.line = item.line;
      next.id = item.id;
      next.request_id = absl::StrCat(item.request_id, "/", again);
      next.resource.reset(item.resource->New());
      next.resource->CopyFrom(*item.resource);
      result = Retrying([&] { return target_.Create(info_.kind, next); });
    }
    return result;
  }

  // A record with an id is known by it; one without, by its request id
  // (the same content: RequestIdFor), which an id never looks like.
  static std::string CreatedKey(const ImportItem& item) {
    return item.id.empty() ? absl::StrCat("\n", item.request_id) : item.id;
  }

  void NoteCreated(const ImportItem& item, int64_t revision) {
    if (revision > start_revision_) created_lines_.emplace(CreatedKey(item), item.line);
  }

  // The line of another record of this run that created `item`'s id (or,
  // without an id, the same record), or 0.
  int CreatedByAnother(const ImportItem& item) const {
    auto it = created_lines_.find(CreatedKey(item));
    return it == created_lines_.end() || it->second == item.line ? 0 : it->second;
  }

  void CountResult(const ImportItem& item, const absl::StatusOr<int64_t>& revision) {
    const absl::Status& status = revision.status();
    if (status.ok() || absl::IsAlreadyExists(status)) {
      if (const int first = CreatedByAnother(item); first != 0) {
        // Two records with one id: the second would count as "already
        // there" (or, the same record twice, as created twice). Without an
        // id, the same record twice: a replay of the first's request.
        {
          // Its comparison, if the workers made one, is not needed.
          std::lock_guard<std::mutex> lock(compared_mu_);
          compared_.erase(item.line);
        }
        if (item.id.empty()) {
          Report(
              item.line, "",
              absl::StrCat("the same record as line ", first, "; it is imported once"));
        } else {
          Report(item.line, "id",
                 absl::StrCat("'", item.id, "' is the id of line ", first,
                              " too; only that record is imported"));
        }
        ++summary_.failed;
        return;
      }
    }
    if (revision.ok()) {
      Count(*revision);
      return;
    }
    if (absl::IsAlreadyExists(status)) {
      // There, but made by another request (another record under this id,
      // this record changed since, or its request forgotten): the same
      // content is skipped; other content is not imported, and said so.
      absl::StatusOr<Comparison> compared = ComparisonOf(item);
      if (!compared.ok()) {
        Report(item.line, "",
               absl::StrCat("'", item.id,
                            "' exists, and could not be compared with the registry's (",
                            compared.status().message(), "): run the import again"));
        ++summary_.failed;
        return;
      }
      if (!compared->other_owner.empty()) {
        Report(item.line, "id",
               absl::StrCat("'", item.id, "' is the id of ",
                            absl::StartsWith(info_.singular, "e") ||
                                    absl::StartsWith(info_.singular, "o")
                                ? "an "
                                : "a ",
                            info_.singular, " of ", compared->other_owner,
                            ": import creates records and changes none; give this "
                            "record another id"));
        ++summary_.failed;
        return;
      }
      if (const std::vector<std::string>& differ = compared->differ; !differ.empty()) {
        Report(item.line, differ.size() == 1 ? differ.front() : "",
               absl::StrCat("'", item.id, "' exists with other ",
                            absl::StrJoin(differ, ", "),
                            ": import creates records and changes none; change it with "
                            "`samenspel ",
                            info_.collection, " update ", item.id,
                            "`, or give this record another id"));
        ++summary_.failed;
        return;
      }
      ++summary_.skipped;
      return;
    }
    if (StopsImport(status)) {
      if (summary_.stopped.ok()) summary_.stopped = status;
      return;
    }
    if (absl::IsPermissionDenied(status) && !accepted_ && denied_ >= kDeniedBeforeStop) {
      // Nothing may be written: one message, not one per record.
      if (summary_.stopped.ok()) summary_.stopped = status;
      return;
    }
    std::vector<ItemViolation> violations = ItemViolations(status, info_.singular);
    if (violations.empty()) Report(item.line, "", std::string(status.message()));
    for (const ItemViolation& v : violations) Report(item.line, v.field, v.description);
    ++summary_.failed;
  }

  // Compare(item), as the workers found it, or now.
  absl::StatusOr<Comparison> ComparisonOf(const ImportItem& item) {
    {
      std::lock_guard<std::mutex> lock(compared_mu_);
      auto it = compared_.find(item.line);
      if (it != compared_.end()) {
        absl::StatusOr<Comparison> found = std::move(it->second);
        compared_.erase(it);
        return found;
      }
    }
    return Compare(item);
  }

  // The registry's `item.id` compared with `item`: nothing differs when the
  // target cannot read it (UNIMPLEMENTED) or it is gone (NOT_FOUND); another
  // error of the read is returned.
  absl::StatusOr<Comparison> Compare(const ImportItem& item) {
    Comparison out;
    if (item.id.empty()) return out;
    absl::StatusOr<std::unique_ptr<google::protobuf::Message>> stored =
        Retrying([&] { return target_.Get(info_.kind, item.id); });
    if (absl::IsUnimplemented(stored.status()) || absl::IsNotFound(stored.status())) {
      return out;
    }
    if (!stored.ok()) return stored.status();
    const google::protobuf::Message& mine = *item.resource;
    const google::protobuf::Message& theirs = **stored;
    const google::protobuf::Descriptor* descriptor = mine.GetDescriptor();
    const google::protobuf::Reflection* reflection = mine.GetReflection();
    for (const FieldSpec& spec : info_.fields) {
      const google::protobuf::FieldDescriptor* field =
          descriptor->FindFieldByName(std::string(spec.field));
      if (field == nullptr) continue;
      // Not in the file: the registry's is kept. In it, also at its default
      // (consent withdrawn, hours 0): compared.
      const bool given =
          item.given.empty()
              ? (field->is_repeated() ? reflection->FieldSize(mine, field) > 0
                                      : reflection->HasField(mine, field))
              : std::find(item.given.begin(), item.given.end(), field->name()) !=
                    item.given.end();
      if (!given) continue;
      if (!SameValue(mine, theirs, *field)) out.differ.emplace_back(spec.field);
    }
    for (absl::string_view owner : {"organisation", "owner_organisation"}) {
      const google::protobuf::FieldDescriptor* field =
          descriptor->FindFieldByName(std::string(owner));
      if (field == nullptr) continue;
      const std::string& ours = reflection->GetString(mine, field);
      const std::string& stored_owner = reflection->GetString(theirs, field);
      if (!ours.empty() && ours != stored_owner) out.other_owner = stored_owner;
    }
    return out;
  }

  // Whether `field` holds the same in both. Themes and region codes are
  // sets (the registry keeps one of each, whatever the case).
  static bool SameValue(const google::protobuf::Message& a,
                        const google::protobuf::Message& b,
                        const google::protobuf::FieldDescriptor& field) {
    if (field.is_repeated() &&
        field.cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING &&
        (field.name() == "themes" || field.name() == "region_codes")) {
      auto set_of = [&](const google::protobuf::Message& m) {
        std::set<std::string> out;
        const google::protobuf::Reflection* r = m.GetReflection();
        for (int i = 0; i < r->FieldSize(m, &field); ++i) {
          out.insert(absl::AsciiStrToLower(
              absl::StripAsciiWhitespace(r->GetRepeatedString(m, &field, i))));
        }
        return out;
      };
      return set_of(a) == set_of(b);
    }
    google::protobuf::util::MessageDifferencer differencer;
    const google::protobuf::Descriptor* descriptor = a.GetDescriptor();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      if (descriptor->field(i) != &field) differencer.IgnoreField(descriptor->field(i));
    }
    return differencer.Compare(a, b);
  }

  // A resource that was there before this run started was not created by it
  // (a replayed request).
  void Count(int64_t revision) {
    accepted_ = true;
    if (revision > start_revision_) {
      ++summary_.created;
    } else {
      ++summary_.skipped;
    }
  }

  // Problems wait while a batch is pending, so they come out in line order.
  void Report(int line, std::string field, std::string reason) {
    reports_.push_back({line, std::move(field), std::move(reason)});
  }

  void FlushReports() {
    std::stable_sort(
        reports_.begin(), reports_.end(),
        [](const LineError& a, const LineError& b) { return a.line < b.line; });
    if (options_.on_error) {
      for (const LineError& e : reports_) options_.on_error(e);
    }
    reports_.clear();
  }

  const KindInfo& info_;
  ImportTarget& target_;
  const ImportOptions& options_;
  int64_t start_revision_ = 0;
  std::vector<ImportItem> batch_;
  absl::flat_hash_set<std::string> batch_ids_;  // the ids in batch_
  std::vector<ImportItem> singles_;
  std::mutex compared_mu_;
  absl::flat_hash_map<int, absl::StatusOr<Comparison>> compared_;
  std::vector<LineError> reports_;
  // The line of the record that created each id (CreatedKey) in this run:
  // another record with that id is not "already there" (nor created twice,
  // when it is the same record: a replay of the first's request id), it is a
  // duplicate.
  absl::flat_hash_map<std::string, int> created_lines_;
  ImportSummary summary_;
  // Whether any record was created or found already there, and how many were
  // refused PERMISSION_DENIED (see kDeniedBeforeStop).
  std::atomic<bool> accepted_{false};
  std::atomic<int> denied_{0};
};

}  // namespace

ImportSummary Import(Kind kind, RecordReader& reader, ImportTarget& target,
                     const ImportOptions& options) {
  return ImportRun(kind, target, options).Run(reader);
}

std::string RequestIdFor(Kind kind, absl::string_view id,
                         const google::protobuf::Message& resource) {
  const std::string input =
      absl::StrCat(InfoFor(kind).collection, "\n", id, "\n", CompactJson(resource));
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  // 128 bits are plenty to keep different records apart.
  return absl::StrCat("import-", absl::BytesToHexString(absl::string_view(
                                     reinterpret_cast<const char*>(digest), 16)));
}

std::vector<ItemViolation> ItemViolations(const absl::Status& status,
                                          absl::string_view singular) {
  std::vector<ItemViolation> result;
  const auto payload = status.GetPayload(kBadRequestUrl);
  google::rpc::BadRequest detail;
  if (!payload.has_value() || !detail.ParseFromString(std::string(*payload)))
    return result;
  for (const auto& fv : detail.field_violations()) {
    ItemViolation v;
    absl::string_view path = fv.field();
    if (absl::ConsumePrefix(&path, "requests[")) {
      const size_t close = path.find(']');
      int index;
      if (close != absl::string_view::npos &&
          absl::SimpleAtoi(path.substr(0, close), &index)) {
        v.index = index;
        path.remove_prefix(close + 1);
        absl::ConsumePrefix(&path, ".");
      } else {
        path = fv.field();
      }
    }
    v.field = ItemField(path, singular);
    v.description = fv.description();
    result.push_back(std::move(v));
  }
  return result;
}

}  // namespace samenspel::cli
