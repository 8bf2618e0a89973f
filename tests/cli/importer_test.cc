// The importer against a fake registry: field violations of a batch mapped
// back to input lines, retries of the good rest, idempotent re-runs, and
// stopping on errors that are not about a record.
#include "cli/core/importer.h"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "samenspel/registry/v1/resources.pb.h"

namespace samenspel::cli {
namespace {

namespace v1 = ::samenspel::registry::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// An in-memory registry with the registry's create semantics: ids are
// unique, request ids replay, experts need a display name and a skill level
// of 1..5 (checked per batch item, all-or-nothing). Failures can be queued.
class FakeRegistry : public ImportTarget {
 public:
  absl::StatusOr<int64_t> CurrentRevision(Kind) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!revision_failures.empty()) {
      absl::Status s = revision_failures.front();
      revision_failures.pop_front();
      return s;
    }
    return revision_;
  }

  absl::StatusOr<int64_t> Create(Kind kind, const ImportItem& item) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++creates;
    if (absl::Status s = NextFailure(); !s.ok()) return s;
    FieldViolations v;
    Validate(item, std::string(InfoFor(kind).singular), v);
    if (!v.empty()) return v.ToStatus();
    return Commit(kind, item);
  }

  absl::StatusOr<std::vector<int64_t>> BatchCreateExperts(
      absl::Span<const ImportItem* const> items) override {
    std::lock_guard<std::mutex> lock(mu_);
    batch_sizes.push_back(static_cast<int>(items.size()));
    if (absl::Status s = NextFailure(); !s.ok()) return s;
    FieldViolations v;
    std::set<std::string> batch_ids;
    for (size_t i = 0; i < items.size(); ++i) {
      Validate(*items[i], absl::StrCat("requests[", i, "].expert"), v);
      // Like the registry: one id twice in a batch is refused.
      if (!items[i]->id.empty() && !batch_ids.insert(items[i]->id).second) {
        v.Add(absl::StrCat("requests[", i, "].expert_id"),
              "the same id appears earlier in this batch");
      }
    }
    if (!v.empty()) return v.ToStatus();
    // Like the registry: a batch replays as a whole (keyed by all its
    // request ids), before any existence check.
    std::string batch_key = "batch";
    for (const ImportItem* item : items)
      absl::StrAppend(&batch_key, "/", item->request_id);
    auto replay = batches_.find(batch_key);
    if (replay != batches_.end()) return replay->second;
    for (const ImportItem* item : items) {
      if (!item->id.empty() && ids_.count(absl::StrCat("experts/", item->id))) {
        return AlreadyExistsError(absl::StrCat("experts/", item->id));
      }
    }
    std::vector<int64_t> revisions;
    for (const ImportItem* item : items) {
      ids_.insert(absl::StrCat("experts/", item->id));
      Store(absl::StrCat("experts/", item->id), *item->resource);
      revisions.push_back(++revision_);
    }
    batches_[batch_key] = revisions;
    return revisions;
  }

  std::deque<absl::Status> failures;
  // Of Get.
  std::deque<absl::Status> get_failures;
  // Of CurrentRevision, the import's first call.
  std::deque<absl::Status> revision_failures;
  std::vector<int> batch_sizes;
  int creates = 0;
  size_t size() const { return ids_.size(); }

 private:
  absl::Status NextFailure() {
    if (failures.empty()) return absl::OkStatus();
    absl::Status s = failures.front();
    failures.pop_front();
    return s;
  }

  static void Validate(const ImportItem& item, const std::string& prefix,
                       FieldViolations& v) {
    const auto* e = dynamic_cast<const v1::Expert*>(item.resource.get());
    if (e == nullptr) return;
    if (e->display_name().empty()) v.Add(prefix + ".display_name", "required");
    for (int i = 0; i < e->skills_size(); ++i) {
      if (e->skills(i).level() < 1 || e->skills(i).level() > 5) {
        v.Add(absl::StrCat(prefix, ".skills[", i, "].level"), "must be between 1 and 5");
      }
    }
  }

  absl::StatusOr<int64_t> Commit(Kind kind, const ImportItem& item) {
    auto replay = request_ids_.find(item.request_id);
    if (replay != request_ids_.end()) {
      // As the registry: the resource the first create made may be gone.
      if (!ids_.count(created_by_[item.request_id])) {
        return WithReason(absl::FailedPreconditionError("deleted since"),
                          "CREATED_RESOURCE_DELETED");
      }
      return replay->second;
    }
    const std::string name =
        absl::StrCat(InfoFor(kind).collection, "/",
                     item.id.empty() ? absl::StrCat("gen", ++generated_) : item.id);
    if (!ids_.insert(name).second) return AlreadyExistsError(name);
    Store(name, *item.resource);
    request_ids_[item.request_id] = ++revision_;
    created_by_[item.request_id] = name;
    return revision_;
  }

 public:
  void Delete(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    ids_.erase(name);
    contents_.erase(name);
  }

  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Get(
      Kind kind, const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!get_failures.empty()) {
      absl::Status s = get_failures.front();
      get_failures.pop_front();
      return s;
    }
    auto it = contents_.find(absl::StrCat(InfoFor(kind).collection, "/", id));
    if (it == contents_.end()) return absl::NotFoundError(id);
    std::unique_ptr<google::protobuf::Message> copy(it->second->New());
    copy->CopyFrom(*it->second);
    return copy;
  }

 private:
  std::mutex mu_;  // Create may be called from several threads.
  int64_t revision_ = 100;
  void Store(const std::string& name, const google::protobuf::Message& resource) {
    contents_[name].reset(resource.New());
    contents_[name]->CopyFrom(resource);
  }

  std::set<std::string> ids_;
  std::map<std::string, std::unique_ptr<google::protobuf::Message>> contents_;
  std::map<std::string, int64_t> request_ids_;
  std::map<std::string, std::string> created_by_;  // request id -> name
  int generated_ = 0;
  std::map<std::string, std::vector<int64_t>> batches_;
};

std::string ExpertLine(const std::string& id, int level,
                       const std::string& name = "Naam") {
  return absl::StrCat(R"({"name":"experts/)", id, R"(","displayName":")", name,
                      R"(","skills":[{"name":"water","level":)", level, "}]}\n");
}

struct ImportRun {
  ImportSummary summary;
  std::vector<LineError> errors;
};

ImportRun ImportText(ImportTarget& registry, const std::string& text,
                     int batch_size = 500, Kind kind = Kind::kExpert,
                     Format format = Format::kJsonl, int parallelism = 1) {
  std::istringstream in(text);
  auto reader = NewRecordReader(kind, format, &in);
  EXPECT_TRUE(reader.ok());
  ImportRun run;
  ImportOptions options;
  options.batch_size = batch_size;
  options.parallelism = parallelism;
  options.on_error = [&](const LineError& e) { run.errors.push_back(e); };
  run.summary = Import(kind, **reader, registry, options);
  return run;
}

std::vector<int> Lines(const std::vector<LineError>& errors) {
  std::vector<int> lines;
  for (const auto& e : errors) lines.push_back(e.line);
  return lines;
}

TEST(ItemViolationsTest, MapsBatchPathsToItemsAndStripsTheResource) {
  FieldViolations v;
  v.Add("requests[3].expert.skills[0].level", "must be between 1 and 5");
  v.Add("requests[12].expert_id", "must match ...");
  v.Add("requests[0].request_id", "too long");
  v.Add("requests", "at most 1000 per call");
  auto items = ItemViolations(v.ToStatus(), "expert");
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].index, 3);
  EXPECT_EQ(items[0].field, "skills[0].level");
  EXPECT_EQ(items[0].description, "must be between 1 and 5");
  EXPECT_EQ(items[1].index, 12);
  EXPECT_EQ(items[1].field, "id");
  EXPECT_EQ(items[2].field, "request_id");
  EXPECT_EQ(items[3].index, -1);
  EXPECT_EQ(items[3].field, "requests");
}

TEST(ItemViolationsTest, SingleCreatePaths) {
  FieldViolations v;
  v.Add("organisation.layer", "required");
  v.Add("organisation_id", "bad");
  auto items = ItemViolations(v.ToStatus(), "organisation");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].index, -1);
  EXPECT_EQ(items[0].field, "layer");
  EXPECT_EQ(items[1].field, "id");
  EXPECT_THAT(ItemViolations(absl::InvalidArgumentError("no detail"), "expert"),
              IsEmpty());
}

TEST(ImporterTest, BadItemsOfABatchAreReportedByLineAndTheRestIsRetried) {
  FakeRegistry registry;
  // Lines 3 and 6 are rejected by the registry; line 4 is blank, line 5 does
  // not parse, so batch index != line - 1.
  const std::string text = ExpertLine("a", 3) + ExpertLine("b", 2) + ExpertLine("c", 9) +
                           "\n" + "{oops\n" + ExpertLine("d", 1, "") + ExpertLine("e", 5);
  ImportRun run = ImportText(registry, text);
  EXPECT_EQ(run.summary.read, 6);
  EXPECT_EQ(run.summary.created, 3);
  EXPECT_EQ(run.summary.failed, 3);
  EXPECT_TRUE(run.summary.stopped.ok());
  ASSERT_THAT(Lines(run.errors), ElementsAre(3, 5, 6));
  EXPECT_EQ(run.errors[0].field, "skills[0].level");
  EXPECT_EQ(run.errors[0].reason, "must be between 1 and 5");
  EXPECT_EQ(run.errors[2].field, "display_name");
  // One batch of 5, then the 3 good ones again.
  EXPECT_THAT(registry.batch_sizes, ElementsAre(5, 3));
  EXPECT_EQ(registry.size(), 3u);
}

TEST(ImporterTest, RerunCreatesNothingAndCountsSkipped) {
  FakeRegistry registry;
  std::string text;
  for (int i = 0; i < 25; ++i) text += ExpertLine(absl::StrCat("e", i), 3);
  text += R"({"displayName":"Zonder id"})"
          "\n";
  ImportRun first = ImportText(registry, text, 10);
  EXPECT_EQ(first.summary.created, 26);
  EXPECT_EQ(registry.size(), 26u);
  // Same batches: replayed by request id.
  ImportRun again = ImportText(registry, text, 10);
  EXPECT_EQ(again.summary.created, 0);
  EXPECT_EQ(again.summary.skipped, 26);
  // Other batches: ALREADY_EXISTS, then one by one.
  ImportRun regrouped = ImportText(registry, text, 7);
  EXPECT_EQ(regrouped.summary.created, 0);
  EXPECT_EQ(regrouped.summary.skipped, 26);
  EXPECT_EQ(regrouped.summary.failed, 0);
  EXPECT_EQ(registry.size(), 26u);
}

TEST(ImporterTest, NewRecordsAmongExistingOnesAreCreated) {
  FakeRegistry registry;
  ImportText(registry, ExpertLine("a", 3) + ExpertLine("b", 3));
  ImportRun run =
      ImportText(registry, ExpertLine("a", 3) + ExpertLine("c", 3) + ExpertLine("b", 3));
  EXPECT_EQ(run.summary.created, 1);  // c
  EXPECT_EQ(run.summary.skipped, 2);
  EXPECT_EQ(registry.size(), 3u);
}

// A record whose id is there with other content (another person under that
// id, or the record changed since it was imported) is not imported, and the
// import says so and fails: it was counted "skipped (already there)", exit
// 0, and the change was lost without a word. Fields the file does not give
// are not compared; the same content under a forgotten request is skipped.
TEST(ImporterTest, ARecordThatExistsWithOtherContentFails) {
  FakeRegistry registry;
  ImportText(registry, ExpertLine("a", 3) + ExpertLine("b", 3));
  for (int batch : {500, 1}) {  // a batch, and one by one
    ImportRun run = ImportText(
        registry, ExpertLine("a", 3, "Naam") + ExpertLine("b", 4, "Ander"), batch);
    EXPECT_EQ(run.summary.skipped, 1) << batch;
    EXPECT_EQ(run.summary.failed, 1) << batch;
    ASSERT_EQ(run.errors.size(), 1u) << batch;
    EXPECT_EQ(run.errors[0].line, 2);
    EXPECT_EQ(run.errors[0].field, "");
    EXPECT_THAT(run.errors[0].reason,
                HasSubstr("'b' exists with other display_name, skills: import creates "
                          "records and changes none; change it with `samenspel experts "
                          "update b`"));
  }
  // One field: named as the error's field.
  ImportRun one = ImportText(registry, ExpertLine("b", 4));
  ASSERT_EQ(one.errors.size(), 1u);
  EXPECT_EQ(one.errors[0].field, "skills");
  // Not given in the file: not compared.
  ImportRun partial = ImportText(registry, R"({"name":"experts/b","displayName":"Naam"})"
                                           "\n");
  EXPECT_EQ(partial.summary.skipped, 1);
  EXPECT_EQ(partial.summary.failed, 0);
}

// Given at its default (consent withdrawn, hours 0) is given: compared. It
// was taken for not given, and the withdrawal skipped as 'already there'.
TEST(ImporterTest, AFieldSetBackToItsDefaultIsCompared) {
  FakeRegistry registry;
  const std::string with_consent =
      R"({"name":"experts/c","displayName":"C","consentToMatching":true,)"
      R"("availableHoursPerWeek":8,"themes":["Wonen","zorg"]})"
      "\n";
  ImportText(registry, with_consent);
  ImportRun withdrawn = ImportText(
      registry, R"({"name":"experts/c","displayName":"C","consentToMatching":false})"
                "\n");
  ASSERT_EQ(withdrawn.errors.size(), 1u);
  EXPECT_EQ(withdrawn.errors[0].field, "consent_to_matching");
  for (Format format : {Format::kJsonl, Format::kCsv}) {
    const std::string text =
        format == Format::kJsonl
            ? R"({"name":"experts/c","displayName":"C","availableHoursPerWeek":0})"
              "\n"
            : "id,display_name,available_hours_per_week\nc,C,0\n";
    ImportRun zero = ImportText(registry, text, 500, Kind::kExpert, format);
    ASSERT_EQ(zero.errors.size(), 1u) << FormatName(format);
    EXPECT_EQ(zero.errors[0].field, "available_hours_per_week") << FormatName(format);
  }
  // Themes are a set: another order or case is the same.
  ImportRun themes = ImportText(
      registry, R"({"name":"experts/c","displayName":"C","themes":["ZORG","wonen"]})"
                "\n");
  EXPECT_EQ(themes.summary.skipped, 1);
  EXPECT_THAT(themes.errors, IsEmpty());
}

// Another organisation's record under the id: said so, with the only fix
// there is (another id); and a read that fails is reported, not taken for
// the same content.
TEST(ImporterTest, AnotherOrganisationsRecordOrAFailedReadIsSaid) {
  FakeRegistry registry;
  ImportText(registry, R"({"name":"experts/k","displayName":"K","organisation":)"
                       R"("organisations/amersfoort"})"
                       "\n");
  const std::string mine = R"({"name":"experts/k","displayName":"K","organisation":)"
                           R"("organisations/utrecht","email":"k@utrecht.nl"})"
                           "\n";
  ImportRun other = ImportText(registry, mine);
  ASSERT_EQ(other.errors.size(), 1u);
  EXPECT_EQ(other.errors[0].field, "id");
  EXPECT_THAT(other.errors[0].reason,
              HasSubstr("'k' is the id of an expert of organisations/amersfoort"));
  EXPECT_THAT(other.errors[0].reason, HasSubstr("give this record another id"));
  registry.get_failures.push_back(absl::UnavailableError("registry gone"));
  ImportRun unread = ImportText(registry, mine, 1);
  EXPECT_EQ(unread.summary.failed, 1);
  ASSERT_EQ(unread.errors.size(), 1u);
  EXPECT_THAT(unread.errors[0].reason,
              HasSubstr("could not be compared with the registry's (registry gone)"));
}

TEST(ImporterTest, ExpertsWithoutIdGoOneByOne) {
  FakeRegistry registry;
  ImportRun run = ImportText(registry, R"({"displayName":"A"})"
                                       "\n"
                                       R"({"displayName":"B"})"
                                       "\n");
  EXPECT_EQ(run.summary.created, 2);
  EXPECT_THAT(registry.batch_sizes, IsEmpty());
  EXPECT_EQ(registry.creates, 2);
}

TEST(ImporterTest, SingleCreatesRunInParallelAndReportInLineOrder) {
  FakeRegistry registry;
  std::string text;
  for (int i = 0; i < 100; ++i) {
    absl::StrAppend(&text, R"({"displayName":")", i % 15 == 0 ? "" : "Naam",
                    R"(","bio":")", i, "\"}\n");
  }
  ImportRun run = ImportText(registry, text, 30, Kind::kExpert, Format::kJsonl, 8);
  EXPECT_EQ(run.summary.created, 93);
  EXPECT_EQ(run.summary.failed, 7);
  EXPECT_THAT(Lines(run.errors), ElementsAre(1, 16, 31, 46, 61, 76, 91));
  EXPECT_EQ(registry.creates, 100);
  // Again: all replayed.
  ImportRun again = ImportText(registry, text, 30, Kind::kExpert, Format::kJsonl, 8);
  EXPECT_EQ(again.summary.skipped, 93);
  EXPECT_EQ(again.summary.created, 0);
}

TEST(ImporterTest, AnErrorThatStopsTheImportStartsNoFurtherCreates) {
  FakeRegistry registry;
  registry.failures = {absl::OkStatus(), absl::OkStatus(),
                       absl::UnauthenticatedError("token expired")};
  std::string text;
  for (int i = 0; i < 5; ++i) absl::StrAppend(&text, R"({"displayName":"N)", i, "\"}\n");
  ImportRun run = ImportText(registry, text);
  EXPECT_TRUE(absl::IsUnauthenticated(run.summary.stopped));
  EXPECT_EQ(run.summary.created, 2);
  EXPECT_EQ(registry.creates, 3);
}

// An editor may write their own organisation's records only: a record of
// another is refused on its own, in a batch too, and the rest goes in.
TEST(ImporterTest, ARecordTheCallerMayNotWriteFailsAlone) {
  FakeRegistry registry;
  registry.failures = {
      absl::PermissionDeniedError("experts of bzk: editors of bzk only"),
      absl::OkStatus(), absl::OkStatus(),
      absl::PermissionDeniedError("experts of bzk: editors of bzk only")};
  std::string text;
  for (int i = 0; i < 6; ++i) text += ExpertLine(absl::StrCat("e", i), 3);
  ImportRun run = ImportText(registry, text);
  EXPECT_TRUE(run.summary.stopped.ok()) << run.summary.stopped;
  EXPECT_EQ(run.summary.created, 5);
  EXPECT_EQ(run.summary.failed, 1);
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_EQ(run.errors[0].line, 3);
  EXPECT_THAT(run.errors[0].reason, HasSubstr("editors of bzk only"));
}

// A caller that may write nothing (a reader) gets one stop, not an error per
// record.
TEST(ImporterTest, ACallerThatMayWriteNothingStops) {
  FakeRegistry registry;
  for (int i = 0; i < 100; ++i) {
    registry.failures.push_back(absl::PermissionDeniedError("readers may not write"));
  }
  std::string text;
  for (int i = 0; i < 50; ++i) absl::StrAppend(&text, R"({"displayName":"N)", i, "\"}\n");
  ImportRun run = ImportText(registry, text);
  EXPECT_TRUE(absl::IsPermissionDenied(run.summary.stopped)) << run.summary.stopped;
  EXPECT_EQ(run.summary.created, 0);
  EXPECT_LE(registry.creates, 10);
}

// An editor's file with other organisations' records first: ten refusals
// stop the calls not yet started, but a call in flight then succeeds (the
// caller may write after all). The rest is sent too: no record is left
// uncounted (it was: five lines vanished from a "complete" summary).
class DenyThenAllowTarget : public ImportTarget {
 public:
  absl::StatusOr<int64_t> CurrentRevision(Kind) override { return 100; }
  absl::StatusOr<int64_t> Create(Kind, const ImportItem& item) override {
    const auto* e = dynamic_cast<const v1::Expert*>(item.resource.get());
    std::unique_lock<std::mutex> lock(mu_);
    if (e != nullptr && absl::StartsWith(e->display_name(), "Deny")) {
      ++denied_;
      changed_.notify_all();
      return absl::PermissionDeniedError("experts of utrecht: editors of utrecht only");
    }
    // The first allowed record answers only after ten refusals, and late
    // enough that the import has stopped for them by then.
    changed_.wait(lock, [&] { return denied_ >= 10; });
    if (created == 0) {
      lock.unlock();
      absl::SleepFor(absl::Milliseconds(100));
      lock.lock();
    }
    ++created;
    return 100 + created;
  }
  absl::StatusOr<std::vector<int64_t>> BatchCreateExperts(
      absl::Span<const ImportItem* const>) override {
    return absl::UnimplementedError("experts without ids are created one by one");
  }
  int created = 0;

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int denied_ = 0;
};

TEST(ImporterTest, ADenialStopOvertakenByASuccessSendsTheRest) {
  DenyThenAllowTarget registry;
  std::string text = R"({"displayName":"Allow first"})"
                     "\n";
  for (int i = 0; i < 12; ++i)
    absl::StrAppend(&text, R"({"displayName":"Deny )", i, "\"}\n");
  for (int i = 0; i < 9; ++i)
    absl::StrAppend(&text, R"({"displayName":"Allow )", i, "\"}\n");
  ImportRun run = ImportText(registry, text, 500, Kind::kExpert, Format::kJsonl, 2);
  EXPECT_TRUE(run.summary.stopped.ok()) << run.summary.stopped;
  EXPECT_EQ(run.summary.read, 22);
  EXPECT_EQ(run.summary.created, 10);
  EXPECT_EQ(run.summary.failed, 12);
  EXPECT_EQ(run.summary.created + run.summary.failed + run.summary.skipped,
            run.summary.read);
  EXPECT_EQ(registry.created, 10);
  EXPECT_EQ(run.errors.size(), 12u);
}

// The same record twice without an id: one create (the second is a replay of
// its request id), and the second line says so instead of counting another.
TEST(ImporterTest, TheSameRecordTwiceWithoutAnIdIsImportedOnce) {
  FakeRegistry registry;
  const std::string twin = R"({"displayName":"Piet Twin","jobTitle":"adviseur"})"
                           "\n";
  ImportRun run = ImportText(registry, twin + twin +
                                           R"({"displayName":"Kees"})"
                                           "\n");
  EXPECT_EQ(run.summary.created, 2);
  EXPECT_EQ(run.summary.failed, 1);
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_EQ(run.errors[0].line, 2);
  EXPECT_THAT(run.errors[0].reason, HasSubstr("the same record as line 1"));
  EXPECT_EQ(registry.size(), 2u);
  // A re-run counts both lines of the twin as already there.
  ImportRun again = ImportText(registry, twin + twin);
  EXPECT_EQ(again.summary.skipped, 2);
  EXPECT_EQ(again.summary.failed, 0);
}

// A record imported, deleted, and imported again: the registry answers the
// replayed request id with CREATED_RESOURCE_DELETED, and the record is
// created again under the next request id derived from it (it failed
// NOT_FOUND for a day). Running the import once more creates nothing.
TEST(ImporterTest, ARecordDeletedSinceItsImportIsCreatedAgain) {
  FakeRegistry registry;
  const std::string text = R"({"name":"organisations/bzk","displayName":"BZK"})"
                           "\n"
                           R"({"name":"organisations/vro","displayName":"VRO"})"
                           "\n"
                           R"({"displayName":"Zonder id"})"
                           "\n";
  ImportRun first = ImportText(registry, text, 500, Kind::kOrganisation);
  EXPECT_EQ(first.summary.created, 3);
  registry.Delete("organisations/bzk");
  registry.Delete("organisations/gen1");
  ImportRun again = ImportText(registry, text, 500, Kind::kOrganisation);
  EXPECT_TRUE(again.summary.stopped.ok()) << again.summary.stopped;
  EXPECT_THAT(again.errors, IsEmpty());
  EXPECT_EQ(again.summary.created, 2);
  EXPECT_EQ(again.summary.skipped, 1);
  EXPECT_EQ(registry.size(), 3u);
  ImportRun third = ImportText(registry, text, 500, Kind::kOrganisation);
  EXPECT_EQ(third.summary.created, 0);
  EXPECT_EQ(third.summary.skipped, 3);
  EXPECT_EQ(registry.size(), 3u);
}

// The registry's rate limit (or a full queue) slows the import down; it fails
// no record and splits no batch.
TEST(ImporterTest, ThrottledCallsAreRetried) {
  FakeRegistry registry;
  const absl::Status limited = WithReason(
      absl::ResourceExhaustedError("tokens/x is over its rate limit; retry in 2 ms"),
      "RATE_LIMITED");
  const absl::Status overloaded = WithReason(
      absl::ResourceExhaustedError("calls waiting; retry later"), "OVERLOADED");
  registry.failures = {limited, overloaded, absl::OkStatus(), limited};
  std::string text;
  for (int i = 0; i < 8; ++i) text += ExpertLine(absl::StrCat("e", i), 3);
  ImportRun run = ImportText(registry, text, 4);
  EXPECT_TRUE(run.summary.stopped.ok()) << run.summary.stopped;
  EXPECT_EQ(run.summary.created, 8);
  EXPECT_EQ(run.summary.failed, 0);
  EXPECT_THAT(registry.batch_sizes, ElementsAre(4, 4, 4, 4, 4));
  std::string singles;
  for (int i = 0; i < 4; ++i)
    absl::StrAppend(&singles, R"({"displayName":"S)", i, "\"}\n");
  registry.failures = {limited, limited};
  ImportRun one_by_one = ImportText(registry, singles);
  EXPECT_EQ(one_by_one.summary.created, 4);
  EXPECT_EQ(one_by_one.summary.failed, 0);
  // The very first call too (the caller's budget spent by calls before the
  // import): it stopped the import before its first record.
  registry.revision_failures = {limited, overloaded};
  ImportRun first_call = ImportText(registry, ExpertLine("f1", 3));
  EXPECT_TRUE(first_call.summary.stopped.ok()) << first_call.summary.stopped;
  EXPECT_EQ(first_call.summary.created, 1);
}

// Two records with one id in one input: the second is reported, not counted
// as already there (another record) or as created (the same record twice),
// also when parallel creates made the later one first.
TEST(ImporterTest, ASecondRecordWithTheSameIdFails) {
  for (int parallelism : {1, 8}) {
    FakeRegistry registry;
    ImportRun run = ImportText(registry,
                               "id,display_name,layer\nbzk,BZK,national\n"
                               "bzk,Binnenlandse Zaken,national\nbzk,BZK,national\n"
                               "gm1,G,municipal\n",
                               500, Kind::kOrganisation, Format::kCsv, parallelism);
    EXPECT_EQ(run.summary.created, 2) << parallelism;
    EXPECT_EQ(run.summary.failed, 2) << parallelism;
    ASSERT_EQ(run.errors.size(), 2u) << parallelism;
    EXPECT_EQ(run.errors[0].field, "id");
    EXPECT_THAT(run.errors[0].reason, HasSubstr("is the id of line"));
  }
  for (int batch_size : {1, 500}) {
    // Experts go in batches; one batch never holds an id twice (the
    // registry's refusal spoke of a "batch" and a request_id the user never
    // made: a CLI review).
    FakeRegistry registry;
    ImportRun run = ImportText(
        registry, ExpertLine("a", 3) + ExpertLine("b", 3) + ExpertLine("a", 3, "Ander"),
        batch_size);
    EXPECT_EQ(run.summary.created, 2) << batch_size;
    EXPECT_EQ(run.summary.failed, 1) << batch_size;
    ASSERT_EQ(run.errors.size(), 1u) << batch_size;
    EXPECT_EQ(run.errors[0].line, 3);
    EXPECT_EQ(run.errors[0].field, "id");
    EXPECT_THAT(run.errors[0].reason, HasSubstr("'a' is the id of line 1 too"));
  }
}

TEST(ImporterTest, UnavailableStopsTheImport) {
  FakeRegistry registry;
  registry.failures.push_back(absl::UnavailableError("redis down"));
  ImportRun run = ImportText(registry, ExpertLine("a", 3) + ExpertLine("b", 3), 1);
  EXPECT_TRUE(absl::IsUnavailable(run.summary.stopped));
  EXPECT_EQ(run.summary.created, 0);
  EXPECT_EQ(registry.batch_sizes.size(), 1u);  // Nothing after the failure.
}

TEST(ImporterTest, TooLargeBatchesAreHalved) {
  FakeRegistry registry;
  registry.failures.push_back(absl::ResourceExhaustedError("message too large"));
  std::string text;
  for (int i = 0; i < 8; ++i) text += ExpertLine(absl::StrCat("e", i), 3);
  ImportRun run = ImportText(registry, text);
  EXPECT_EQ(run.summary.created, 8);
  EXPECT_THAT(registry.batch_sizes, ElementsAre(8, 4, 4));
}

TEST(ImporterTest, OtherKindsGoThroughCreateAndReportTheirFields) {
  FakeRegistry registry;
  registry.failures.push_back(InvalidField("organisation.layer", "required"));
  ImportRun run = ImportText(
      registry, "id,display_name,layer\nbzk,BZK,\nbzk,BZK,national\ngm1,G,provincial\n",
      500, Kind::kOrganisation, Format::kCsv);
  EXPECT_EQ(run.summary.failed, 1);
  EXPECT_EQ(run.summary.created, 2);
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_EQ(run.errors[0].line, 2);
  EXPECT_EQ(run.errors[0].field, "layer");
}

TEST(RequestIdTest, StablePerRecordAndDistinctBetweenRecords) {
  v1::Expert a;
  a.set_display_name("A");
  v1::Expert b = a;
  b.set_bio("anders");
  const std::string id = RequestIdFor(Kind::kExpert, "a", a);
  EXPECT_EQ(id, RequestIdFor(Kind::kExpert, "a", a));
  EXPECT_NE(id, RequestIdFor(Kind::kExpert, "b", a));
  EXPECT_NE(id, RequestIdFor(Kind::kExpert, "a", b));
  EXPECT_NE(id, RequestIdFor(Kind::kTeam, "a", a));
  EXPECT_LE(id.size(), 128u);
  EXPECT_TRUE(absl::StartsWith(id, "import-"));
}

}  // namespace
}  // namespace samenspel::cli
