// ScanWire, and the Gets answered in wire form (Registry::GetExpertAsync):
// the same bytes as the message the blocking Get returns, serialized, for
// every kind and every kind of caller; protobuf's parser taking over for
// records the scan refuses.
#include "registry-service/core/wire_record.h"

#include <functional>
#include <random>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "registry-service/core/access_policy.h"
#include "registry-service/core/memory_store.h"
#include "registry-service/core/registry.h"

namespace samenspel::registry {
namespace {

using ::testing::ElementsAre;
using namespace std::string_literals;

v1::Expert FullExpert() {
  v1::Expert e;
  e.set_name("experts/e1");
  e.set_display_name("Fatima El Amrani");
  e.set_organisation("organisations/gm0363");
  e.set_job_title("Beleidsadviseur wonen");
  e.set_email("f.elamrani@example.nl");
  e.set_bio(
      "Woningbouw en warmtetransitie.\nSinds 2019 bij de gemeente; Frysk én Nederlands.");
  auto* s = e.add_skills();
  s->set_name("Woningbouw");
  s->set_level(4);
  s = e.add_skills();
  s->set_name("Participatie");
  s->set_level(2);
  e.add_themes("Wonen");
  e.add_themes("Energie");
  e.add_region_codes("GM0363");
  e.add_perspectives(type::v1::PERSPECTIVE_POLICY);
  e.add_perspectives(type::v1::PERSPECTIVE_EXECUTION);
  e.set_available_hours_per_week(8);
  e.set_consent_to_matching(true);
  e.set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  e.mutable_create_time()->set_seconds(1790000000);
  e.mutable_update_time()->set_seconds(1790000001);
  e.mutable_update_time()->set_nanos(5);
  return e;
}

TEST(ScanWireTest, ListsTheTopLevelFieldsOfWhatProtobufSerializes) {
  const std::string data = FullExpert().SerializeAsString();
  const std::optional<WireFields> fields = ScanWire(*v1::Expert::descriptor(), data);
  ASSERT_TRUE(fields.has_value());
  std::vector<int> numbers;
  size_t at = 0;
  for (const WireField& f : *fields) {
    numbers.push_back(f.number);
    EXPECT_EQ(f.begin, at) << f.number;  // one after another, nothing between
    at = f.end;
  }
  EXPECT_EQ(at, data.size());
  EXPECT_THAT(numbers,
              ElementsAre(1, 2, 3, 4, 5, 6, 7, 7, 8, 8, 9, 10, 11, 12, 20, 92, 93));
  EXPECT_EQ(data.substr((*fields)[4].value_begin,
                        (*fields)[4].value_end - (*fields)[4].value_begin),
            "f.elamrani@example.nl");
  EXPECT_EQ((*fields)[12].varint, 8u);                               // hours
  EXPECT_EQ((*fields)[13].varint, 1u);                               // consent
  EXPECT_TRUE(ScanWire(*v1::Expert::descriptor(), "").has_value());  // all defaults
}

// Each case is bytes that protobuf reads otherwise than a plain record, or
// not at all: the scan leaves them to the parser.
TEST(ScanWireTest, RefusesWhatIsNotAPlainRecord) {
  const std::string good = FullExpert().SerializeAsString();
  const auto* type = v1::Expert::descriptor();
  auto tag = [](int number, int wire_type) {
    return std::string(1, static_cast<char>(number << 3 | wire_type));
  };
  // Cut inside the last field (update_time).
  EXPECT_FALSE(ScanWire(*type, good.substr(0, good.size() - 1)).has_value());
  // A field the type does not declare (14: unused), as a varint.
  EXPECT_FALSE(ScanWire(*type, good + tag(14, 0) + "\x01").has_value());
  // A singular field twice, in order (display_name, 2): protobuf keeps the
  // last.
  EXPECT_FALSE(ScanWire(*type, tag(2, 2) + "\x01x" + tag(2, 2) + "\x01y").has_value());
  // A repeated one in one run is as protobuf writes it; out of order it is
  // not (etag and revision would not go where protobuf puts them).
  EXPECT_TRUE(ScanWire(*type, tag(8, 2) + "\x01x" + tag(8, 2) + "\x01y").has_value());
  EXPECT_FALSE(ScanWire(*type, good + tag(8, 2) + "\x01x").has_value());
  // A string field as a varint.
  EXPECT_FALSE(ScanWire(*type, tag(2, 0) + "\x05").has_value());
  // Not UTF-8, at the top and in a skill.
  EXPECT_FALSE(ScanWire(*type, tag(2, 2) + "\x02\xc3\x28").has_value());
  EXPECT_FALSE(
      ScanWire(*type, tag(7, 2) + "\x04" + tag(1, 2) + "\x02\xff\xfe").has_value());
  // A control character (stricter than protobuf: left to the parser).
  EXPECT_FALSE(ScanWire(*type, tag(2, 2) + std::string("\x02\x01x", 3)).has_value());
  // A length beyond the end, and a skill's field beyond the skill.
  EXPECT_FALSE(ScanWire(*type, tag(2, 2) + "\x09short").has_value());
  EXPECT_FALSE(
      ScanWire(*type, tag(7, 2) + "\x02" + tag(1, 2) + "\x05" + "abcde").has_value());
  // A group, and field number 0.
  EXPECT_FALSE(ScanWire(*type, tag(2, 3)).has_value());
  EXPECT_FALSE(ScanWire(*type, std::string("\x00\x01", 2)).has_value());
  // Longer varints than protobuf's parser reads (parse_context.h): a length
  // in 6 bytes; one in 5 whose last byte holds bits beyond 2^31 (2^32 + 3
  // would be read as 3); a tag in 6 bytes; an 11-byte varint; the 6-byte
  // length in a skill. The 5-byte length 3 is what protobuf takes.
  const std::string email =
      "\x03"
      "a@b";
  EXPECT_FALSE(
      ScanWire(*type, tag(5, 2) + "\x83\x80\x80\x80\x80\x00"s + "a@b").has_value());
  EXPECT_FALSE(ScanWire(*type, tag(5, 2) + "\x83\x80\x80\x80\x10" + "a@b").has_value());
  EXPECT_TRUE(ScanWire(*type, tag(5, 2) + "\x83\x80\x80\x80\x00"s + "a@b").has_value());
  EXPECT_FALSE(ScanWire(*type, "\xaa\x80\x80\x80\x80\x00"s + email).has_value());
  EXPECT_FALSE(
      ScanWire(*type, tag(11, 0) + "\x88\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00"s)
          .has_value());
  EXPECT_FALSE(ScanWire(*type, tag(7, 2) + "\x0b" + tag(1, 2) +
                                   "\x84\x80\x80\x80\x80\x00"s + "abcd")
                   .has_value());
  // A 10th varint byte with bits beyond 64 (protobuf drops them; stricter).
  EXPECT_FALSE(ScanWire(*type, tag(11, 0) + "\x88\x80\x80\x80\x80\x80\x80\x80\x80\x02"s)
                   .has_value());
  EXPECT_TRUE(ScanWire(*type, tag(11, 0) + "\x88\x80\x80\x80\x80\x80\x80\x80\x80\x01"s)
                  .has_value());
  // Packed perspectives (10) cut inside a varint.
  EXPECT_FALSE(ScanWire(*type, tag(10, 2) + "\x01\x80").has_value());
}

// `data` with one to three bytes changed, runs of up to four removed, or
// bytes inserted, at random places.
std::string Damage(const std::string& data, std::mt19937& random) {
  std::string out = data;
  const int changes = 1 + static_cast<int>(random() % 3);
  for (int c = 0; c < changes; ++c) {
    const size_t at = random() % out.size();
    switch (random() % 3) {
      case 0:
        out[at] = static_cast<char>(random());
        break;
      case 1:
        out.erase(at, 1 + random() % 4);
        break;
      default:
        out.insert(at, 1, static_cast<char>(random()));
    }
    if (out.empty()) out = "x";
  }
  return out;
}

// Random damage to a record: whatever the scan accepts, protobuf parses, and
// the fields it lists tile the bytes.
TEST(ScanWireTest, WhatItAcceptsProtobufParses) {
  const std::string good = FullExpert().SerializeAsString();
  std::mt19937 random(23);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string data = Damage(good, random);
    const std::optional<WireFields> fields = ScanWire(*v1::Expert::descriptor(), data);
    if (!fields.has_value()) continue;
    ++accepted;
    v1::Expert parsed;
    ASSERT_TRUE(parsed.ParseFromString(data)) << i;
    size_t at = 0;
    for (const WireField& f : *fields) {
      ASSERT_EQ(f.begin, at) << i;
      at = f.end;
    }
    ASSERT_EQ(at, data.size()) << i;
  }
  // Damage inside a string's text often leaves a valid record: both sides
  // of the property are exercised.
  EXPECT_GT(accepted, 100);
  EXPECT_LT(accepted, 19000);
}

TEST(ScanWireTest, AppendsFieldsAsProtobufWritesThem) {
  std::string out;
  AppendWireString(90, "\"123\"", out);
  AppendWireVarint(91, 123, out);
  v1::Expert expected;
  expected.set_etag("\"123\"");
  expected.set_revision(123);
  EXPECT_EQ(out, expected.SerializeAsString());
}

// A MemoryStore whose records can be changed as they are read.
class TamperingStore : public MemoryStore {
 public:
  absl::StatusOr<StoredRecord> Get(Kind kind, absl::string_view id) override {
    absl::StatusOr<StoredRecord> rec = MemoryStore::Get(kind, id);
    if (rec.ok() && tamper) tamper(*rec);
    return rec;
  }
  std::function<void(StoredRecord&)> tamper;
};

class WireGetTest : public ::testing::Test {
 protected:
  WireGetTest() : registry_(&store_, RegistryOptions()) {
    for (const char* id : {"gm0363", "pv27"}) {
      v1::CreateOrganisationRequest org;
      org.set_organisation_id(id);
      org.mutable_organisation()->set_display_name(std::string("Org ") + id);
      org.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
      EXPECT_TRUE(registry_.CreateOrganisation(org).ok());
    }
  }

  v1::Expert CreateExpert(const std::string& id, bool share) {
    v1::CreateExpertRequest req;
    req.set_expert_id(id);
    *req.mutable_expert() = FullExpert();
    req.mutable_expert()->clear_name();
    req.mutable_expert()->set_share_contact_details(share);
    absl::StatusOr<v1::Expert> e = registry_.CreateExpert(req);
    EXPECT_TRUE(e.ok()) << e.status();
    return *e;
  }

  // GetExpertAsync's answer (MemoryStore answers before it returns).
  absl::StatusOr<Registry::WireResource> GetWire(const std::string& name,
                                                 const v1::Principal& caller) {
    v1::GetExpertRequest req;
    req.set_name(name);
    std::optional<absl::StatusOr<Registry::WireResource>> got;
    registry_.GetExpertAsync(req, caller, [&](absl::StatusOr<Registry::WireResource> r) {
      got = std::move(r);
    });
    EXPECT_TRUE(got.has_value());
    return *std::move(got);
  }

  // The blocking Get's answer, which GetWire must equal.
  void ExpectSameAsGet(const std::string& name, const v1::Principal& caller) {
    SCOPED_TRACE(name + " for " + caller.subject());
    v1::GetExpertRequest req;
    req.set_name(name);
    const absl::StatusOr<v1::Expert> expected = registry_.GetExpert(req, caller);
    ASSERT_TRUE(expected.ok()) << expected.status();
    const absl::StatusOr<Registry::WireResource> wire = GetWire(name, caller);
    ASSERT_TRUE(wire.ok()) << wire.status();
    EXPECT_EQ(wire->bytes, expected->SerializeAsString());
    EXPECT_EQ(wire->name, expected->name());
    EXPECT_EQ(wire->organisation, expected->organisation());
    EXPECT_EQ(wire->personal_data,
              !expected->email().empty() || !expected->bio().empty());
  }

  TamperingStore store_;
  Registry registry_;
};

TEST_F(WireGetTest, AnExpertIsTheBytesOfTheBlockingGetForEveryCaller) {
  CreateExpert("private", false);
  CreateExpert("shared", true);
  const std::vector<v1::Principal> callers = {
      MakePrincipal("admin", "", v1::ROLE_ADMIN),
      MakePrincipal("own-reader", "organisations/gm0363", v1::ROLE_READER),
      MakePrincipal("other-editor", "organisations/pv27", v1::ROLE_EDITOR),
      MakePrincipal("no-organisation", "", v1::ROLE_READER),
  };
  for (const v1::Principal& caller : callers) {
    ExpectSameAsGet("experts/private", caller);
    ExpectSameAsGet("experts/shared", caller);
  }
  // The other organisation's reader sees no personal data of the private one.
  const auto redacted = GetWire("experts/private", callers[2]);
  ASSERT_TRUE(redacted.ok());
  v1::Expert parsed;
  ASSERT_TRUE(parsed.ParseFromString(redacted->bytes));
  EXPECT_EQ(parsed.email(), "");
  EXPECT_EQ(parsed.bio(), "");
  EXPECT_FALSE(redacted->personal_data);
  EXPECT_EQ(parsed.job_title(), "Beleidsadviseur wonen");
  EXPECT_EQ(parsed.revision(), 3);
  EXPECT_EQ(parsed.etag(), "\"3\"");
}

TEST_F(WireGetTest, EveryKindIsTheBytesOfItsBlockingGet) {
  CreateExpert("e1", false);
  v1::CreateTeamRequest team;
  team.set_team_id("t1");
  team.mutable_team()->set_display_name("Team Wonen");
  team.mutable_team()->set_owner_organisation("organisations/gm0363");
  team.mutable_team()->add_members()->set_expert("experts/e1");
  team.mutable_team()->add_themes("Wonen");
  ASSERT_TRUE(registry_.CreateTeam(team).ok());
  v1::CreateChallengeRequest challenge;
  challenge.set_challenge_id("c1");
  challenge.mutable_challenge()->set_title("Warmtenet Leeuwarden");
  challenge.mutable_challenge()->set_description("Een warmtenet voor 5.000 woningen.");
  challenge.mutable_challenge()->set_owner_organisation("organisations/gm0363");
  challenge.mutable_challenge()->add_themes("Energie");
  auto* skill = challenge.mutable_challenge()->add_required_skills();  // a double
  skill->set_name("Warmtenetten");
  skill->set_min_level(3);
  skill->set_weight(0.75);
  challenge.mutable_challenge()->add_desired_layers(
      type::v1::GOVERNMENT_LAYER_PROVINCIAL);
  challenge.mutable_challenge()->add_desired_layers(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  const auto created = registry_.CreateChallenge(challenge);
  ASSERT_TRUE(created.ok()) << created.status();
  const v1::Principal reader =
      MakePrincipal("reader", "organisations/pv27", v1::ROLE_READER);

  auto expect_same = [&](const google::protobuf::Message& expected,
                         absl::StatusOr<Registry::WireResource> wire) {
    ASSERT_TRUE(wire.ok()) << wire.status();
    EXPECT_EQ(wire->bytes, expected.SerializeAsString());
    EXPECT_FALSE(wire->personal_data);
  };
  auto answer = [](auto call) {
    std::optional<absl::StatusOr<Registry::WireResource>> got;
    call([&](absl::StatusOr<Registry::WireResource> r) { got = std::move(r); });
    return *std::move(got);
  };
  v1::GetOrganisationRequest get_org;
  get_org.set_name("organisations/gm0363");
  expect_same(*registry_.GetOrganisation(get_org, reader), answer([&](auto done) {
    registry_.GetOrganisationAsync(get_org, reader, std::move(done));
  }));
  v1::GetTeamRequest get_team;
  get_team.set_name("teams/t1");
  expect_same(*registry_.GetTeam(get_team, reader), answer([&](auto done) {
    registry_.GetTeamAsync(get_team, reader, std::move(done));
  }));
  v1::GetChallengeRequest get_challenge;
  get_challenge.set_name("challenges/c1");
  expect_same(*registry_.GetChallenge(get_challenge, reader), answer([&](auto done) {
    registry_.GetChallengeAsync(get_challenge, reader, std::move(done));
  }));
}

// Random damage to a stored expert: the Get in wire form answers as the
// blocking Get does (the same error, or a message equal to its answer), for a
// caller who sees everything and for one from whom email and bio are kept.
TEST_F(WireGetTest, ADamagedRecordIsAnsweredAsTheBlockingGetAnswersIt) {
  CreateExpert("e1", false);
  const std::string stored = store_.Get(Kind::kExpert, "e1")->data;
  const std::vector<v1::Principal> callers = {
      MakePrincipal("admin", "", v1::ROLE_ADMIN),
      MakePrincipal("other", "organisations/pv27", v1::ROLE_READER)};
  std::string damaged;
  store_.tamper = [&](StoredRecord& rec) { rec.data = damaged; };
  v1::GetExpertRequest req;
  req.set_name("experts/e1");
  const google::protobuf::LogSilencer quiet;  // protobuf on each bad string
  std::mt19937 random(2023);
  int scanned = 0;
  int parsed_ok = 0;
  for (int i = 0; i < 4000; ++i) {
    damaged = Damage(stored, random);
    if (ScanWire(*v1::Expert::descriptor(), damaged).has_value()) ++scanned;
    for (const v1::Principal& caller : callers) {
      const absl::StatusOr<v1::Expert> expected = registry_.GetExpert(req, caller);
      const absl::StatusOr<Registry::WireResource> wire = GetWire(req.name(), caller);
      ASSERT_EQ(wire.status().code(), expected.status().code())
          << i << " " << caller.subject() << ": " << wire.status() << " against "
          << expected.status();
      if (!expected.ok()) continue;
      ++parsed_ok;
      v1::Expert answer;
      ASSERT_TRUE(answer.ParseFromString(wire->bytes)) << i;
      ASSERT_TRUE(google::protobuf::util::MessageDifferencer::Equals(answer, *expected))
          << i << " " << caller.subject() << ": " << answer.ShortDebugString()
          << " against " << expected->ShortDebugString();
      ASSERT_EQ(wire->name, expected->name()) << i;
      ASSERT_EQ(wire->organisation, expected->organisation()) << i;
      ASSERT_EQ(wire->personal_data,
                !expected->email().empty() || !expected->bio().empty())
          << i;
    }
  }
  // Both paths taken: records the scan passes, and others protobuf parses.
  EXPECT_GT(scanned, 50);
  EXPECT_GT(parsed_ok / 2, scanned + 50);
}

TEST_F(WireGetTest, ARecordTheScanRefusesIsParsedAsBefore) {
  CreateExpert("e1", false);
  const v1::Principal other =
      MakePrincipal("other", "organisations/pv27", v1::ROLE_READER);
  // An unknown field (a newer registry's, say): protobuf keeps it and writes
  // it back, after the known ones.
  store_.tamper = [](StoredRecord& rec) { rec.data += std::string("\x70\x01", 2); };
  ExpectSameAsGet("experts/e1", other);
  ExpectSameAsGet("experts/e1", MakePrincipal("admin", "", v1::ROLE_ADMIN));
  // Bytes that do not parse: INTERNAL, as the blocking Get.
  store_.tamper = [](StoredRecord& rec) { rec.data += "\x12"; };
  const auto broken = GetWire("experts/e1", other);
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInternal) << broken.status();
  // Not found is not found.
  store_.tamper = nullptr;
  EXPECT_EQ(GetWire("experts/nobody", other).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace samenspel::registry
