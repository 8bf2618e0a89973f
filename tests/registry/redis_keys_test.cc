#include "registry-service/redis/redis_keys.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace samenspel::registry {
namespace {

TEST(RedisKeysTest, DefaultPrefixLayout) {
  const RedisKeys keys;
  EXPECT_EQ(keys.prefix(), "ss:");
  EXPECT_EQ(keys.Record(Kind::kExpert, "jan"), "ss:experts:jan");
  EXPECT_EQ(keys.RecordKeyPrefix(Kind::kExpert), "ss:experts:");
  EXPECT_EQ(keys.AllIds(Kind::kTeam), "ss:all:teams");
  EXPECT_EQ(keys.Index(Kind::kExpert, {"organisation", "bzk"}),
            "ss:ix:experts:organisation=bzk");
  EXPECT_EQ(keys.Schema(), "ss:schema");
  EXPECT_EQ(keys.Revision(), "ss:rev");
  EXPECT_EQ(keys.Feed(), "ss:feed");
  EXPECT_EQ(keys.Request("CreateExpert/jan"), "ss:req:CreateExpert/jan");
  EXPECT_EQ(keys.Token("1a2b"), "ss:token:1a2b");
  EXPECT_EQ(keys.TokenIds(), "ss:tokens");
  EXPECT_EQ(keys.Audit(), "ss:audit");
  EXPECT_EQ(keys.Redacted(), "ss:redacted");
}

TEST(RedisKeysTest, EveryKindHasItsCollection) {
  const RedisKeys keys;
  EXPECT_EQ(keys.Record(Kind::kOrganisation, "bzk"), "ss:organisations:bzk");
  EXPECT_EQ(keys.Record(Kind::kTeam, "t1"), "ss:teams:t1");
  EXPECT_EQ(keys.Record(Kind::kChallenge, "c1"), "ss:challenges:c1");
  EXPECT_EQ(keys.AllIds(Kind::kChallenge), "ss:all:challenges");
}

TEST(RedisKeysTest, CustomPrefix) {
  const RedisKeys keys("test7:");
  EXPECT_EQ(keys.Record(Kind::kExpert, "jan"), "test7:experts:jan");
  EXPECT_EQ(keys.Revision(), "test7:rev");
  EXPECT_EQ(keys.Feed(), "test7:feed");
}

TEST(RedisKeysTest, RecordIsPrefixPlusId) {
  const RedisKeys keys;
  for (Kind kind : kAllKinds) {
    for (const std::string& id : {std::string("a"), std::string("a:b"),
                                  std::string("x\0y", 3), std::string("\xff")}) {
      EXPECT_EQ(keys.Record(kind, id), keys.RecordKeyPrefix(kind) + id);
    }
  }
}

TEST(RedisKeysTest, BinarySafe) {
  const RedisKeys keys;
  const std::string id("a\0b\xff", 4);
  EXPECT_EQ(keys.Record(Kind::kExpert, id), std::string("ss:experts:a\0b\xff", 15));
}

// Ids and request ids are arbitrary bytes, chosen here to look like other
// keys; still no two different things share a key.
TEST(RedisKeysTest, NoKeyCollisions) {
  const RedisKeys keys;
  const std::vector<std::string> tricky = {"x",
                                           "all",
                                           "all:experts",
                                           "ix",
                                           "ix:experts",
                                           "rev",
                                           "feed",
                                           "req",
                                           "req:x",
                                           "a:b",
                                           "experts:jan",
                                           "schema",
                                           "ix:experts:theme=water"};
  std::set<std::string> seen;
  int made = 0;
  auto add = [&](const std::string& key) {
    ++made;
    seen.insert(key);
  };
  add(keys.Revision());
  add(keys.Feed());
  add(keys.Schema());
  for (Kind kind : kAllKinds) {
    add(keys.AllIds(kind));
    for (const std::string& s : tricky) add(keys.Index(kind, {"theme", s}));
  }
  for (const std::string& s : tricky) {
    add(keys.Request(s));
    for (Kind kind : kAllKinds) add(keys.Record(kind, s));
  }
  EXPECT_EQ(static_cast<int>(seen.size()), made);
}

// Bytes that could make one index's key look like another's.
const std::vector<IndexEntry>& TrickyEntries() {
  static const auto* entries = new std::vector<IndexEntry>{
      {"theme", "water"},
      {"theme", "water="},
      {"theme", "=water"},
      {"theme=", "water"},
      {"theme", std::string("water\0", 6)},
      {"theme", "waterx"},
      {"theme", ""},
      {"theme%3D", "water"},
      {"theme%", "3Dwater"},
      {"theme=water", ""},
      {"them", "e=water"},
      {"", "theme=water"},
  };
  return *entries;
}

TEST(RedisKeysTest, IndexKeys) {
  const RedisKeys keys;
  EXPECT_EQ(keys.Index(Kind::kTeam, {"member", "jan"}), "ss:ix:teams:member=jan");
  // The field is escaped ('%' and '='); the value is kept as it is.
  EXPECT_EQ(keys.Index(Kind::kExpert, {"a=b%", std::string("c=\0d", 4)}),
            std::string("ss:ix:experts:a%3Db%25=c=\0d", 27));
}

TEST(RedisKeysTest, IndexKeysNeverCollide) {
  const RedisKeys keys;
  std::set<std::string> seen;
  for (Kind kind : kAllKinds) {
    for (const IndexEntry& entry : TrickyEntries()) {
      EXPECT_TRUE(seen.insert(keys.Index(kind, entry)).second)
          << absl::CEscape(keys.Index(kind, entry));
    }
  }
}

TEST(RedisKeysTest, PositionsAfter) {
  EXPECT_EQ(PositionsAfter(0), "-inf");
  EXPECT_EQ(PositionsAfter(42), "(42");
  EXPECT_EQ(PositionsAfter(9876543210), "(9876543210");
}

TEST(RedisKeysTest, FeedEntryIds) {
  EXPECT_EQ(FeedEntryId(1), "1-1");
  EXPECT_EQ(FeedEntryId(123456789012), "123456789012-1");
  EXPECT_EQ(FeedRangeStart(42), "42-0");
  int64_t revision = 0;
  ASSERT_TRUE(ParseFeedEntryId("42-1", &revision));
  EXPECT_EQ(revision, 42);
  ASSERT_TRUE(ParseFeedEntryId(FeedEntryId(9876543210), &revision));
  EXPECT_EQ(revision, 9876543210);
}

TEST(RedisKeysTest, ParseFeedEntryIdRejectsOthers) {
  int64_t revision = 0;
  for (const char* bad : {"", "-1", "0-1", "42-0", "42-2", "42-11", "42", "a-1", "+4-1",
                          " 4-1", "4 -1", "-4-1", "99999999999999999999-1"}) {
    EXPECT_FALSE(ParseFeedEntryId(bad, &revision)) << bad;
  }
}

}  // namespace
}  // namespace samenspel::registry
