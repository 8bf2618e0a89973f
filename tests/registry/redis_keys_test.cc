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
  EXPECT_EQ(keys.IndexSet(Kind::kExpert), "ss:ix:experts");
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
  const std::vector<std::string> tricky = {"x",          "all", "all:experts", "ix",
                                           "ix:experts", "rev", "feed",        "req",
                                           "req:x",      "a:b", "experts:jan"};
  std::set<std::string> seen;
  int made = 0;
  auto add = [&](const std::string& key) {
    ++made;
    seen.insert(key);
  };
  add(keys.Revision());
  add(keys.Feed());
  for (Kind kind : kAllKinds) {
    add(keys.AllIds(kind));
    add(keys.IndexSet(kind));
  }
  for (const std::string& s : tricky) {
    add(keys.Request(s));
    for (Kind kind : kAllKinds) add(keys.Record(kind, s));
  }
  EXPECT_EQ(static_cast<int>(seen.size()), made);
}

TEST(RedisKeysTest, IndexMembers) {
  EXPECT_EQ(IndexMember({"organisation", "bzk"}, "jan"),
            std::string("organisation\0bzk\0jan", 20));
  // \0 and \x01 in fields and values are escaped; ids are kept as they are.
  EXPECT_EQ(IndexMember({std::string("a\0b", 3), "c\x01"}, std::string("i\0d", 3)),
            std::string("a\x01\x01"
                        "b\0c\x01\x02\0i\0d",
                        12));
}

// Bytes that could make one index's members look like another's.
const std::vector<IndexEntry>& TrickyEntries() {
  static const auto* entries = new std::vector<IndexEntry>{
      {"theme", "water"},
      {"theme", "water\x01"},
      {"theme", std::string("water\0", 6)},
      {"theme", std::string("water\0x", 7)},
      {"theme", "waterx"},
      {"theme", "wate"},
      {"theme", ""},
      {std::string("theme\0water", 11), ""},
      {"them", "e"},
      {"", "theme"},
  };
  return *entries;
}

bool InRange(const LexRange& range, const std::string& member) {
  auto above_min = [&] {
    if (range.min == "-") return true;
    const std::string bound = range.min.substr(1);
    return range.min[0] == '[' ? member >= bound : member > bound;
  };
  auto below_max = [&] {
    if (range.max == "+") return true;
    const std::string bound = range.max.substr(1);
    return range.max[0] == '[' ? member <= bound : member < bound;
  };
  return above_min() && below_max();
}

// What ZRANGEBYLEX does with IndexRange(): exactly the members of that index
// (after after_id), and stripping gives back the id.
TEST(RedisKeysTest, IndexRangeHoldsExactlyItsMembers) {
  const std::vector<std::string> ids = {
      "", "a", std::string("\0", 1), "\x01", "\xff", std::string("a\0b", 3), "b"};
  for (const IndexEntry& entry : TrickyEntries()) {
    for (const std::string& after : {std::string(), std::string("a")}) {
      const LexRange range = IndexRange(entry, after);
      for (const IndexEntry& other : TrickyEntries()) {
        for (const std::string& id : ids) {
          const std::string member = IndexMember(other, id);
          const bool expected = other == entry && (after.empty() || id > after);
          EXPECT_EQ(InRange(range, member), expected)
              << absl::CEscape(member) << " in " << absl::CEscape(range.min) << ".."
              << absl::CEscape(range.max);
          if (other == entry) {
            EXPECT_EQ(member.substr(range.strip), id);
          }
        }
      }
    }
  }
}

TEST(RedisKeysTest, AllIdsRange) {
  EXPECT_EQ(AllIdsRange("").min, "-");
  EXPECT_EQ(AllIdsRange("").max, "+");
  EXPECT_EQ(AllIdsRange("jan").min, "(jan");
  EXPECT_EQ(AllIdsRange("jan").strip, 0u);
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
