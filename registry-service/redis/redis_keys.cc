#include "registry-service/redis/redis_keys.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"

namespace samenspel::registry {
namespace {

// \x01 first, so the \x01 that escapes \0 is not escaped again.
std::string Escape(absl::string_view text) {
  return absl::StrReplaceAll(text, {{absl::string_view("\x01", 1), "\x01\x02"},
                                    {absl::string_view("\0", 1), "\x01\x01"}});
}

// esc(field) \0 esc(value), the part every member of one index starts with.
std::string IndexName(const IndexEntry& entry) {
  return absl::StrCat(Escape(entry.field), absl::string_view("\0", 1),
                      Escape(entry.value));
}

}  // namespace

RedisKeys::RedisKeys(std::string prefix) : prefix_(std::move(prefix)) {}

std::string RedisKeys::Record(Kind kind, absl::string_view id) const {
  return absl::StrCat(RecordKeyPrefix(kind), id);
}

std::string RedisKeys::RecordKeyPrefix(Kind kind) const {
  return absl::StrCat(prefix_, KindCollection(kind), ":");
}

std::string RedisKeys::AllIds(Kind kind) const {
  return absl::StrCat(prefix_, "all:", KindCollection(kind));
}

std::string RedisKeys::IndexSet(Kind kind) const {
  return absl::StrCat(prefix_, "ix:", KindCollection(kind));
}

std::string RedisKeys::Revision() const { return absl::StrCat(prefix_, "rev"); }

std::string RedisKeys::Feed() const { return absl::StrCat(prefix_, "feed"); }

std::string RedisKeys::Redacted() const { return absl::StrCat(prefix_, "redacted"); }

std::string RedisKeys::Token(absl::string_view id) const {
  return absl::StrCat(prefix_, "token:", id);
}

std::string RedisKeys::TokenIds() const { return absl::StrCat(prefix_, "tokens"); }

std::string RedisKeys::Audit() const { return absl::StrCat(prefix_, "audit"); }

std::string RedisKeys::Request(absl::string_view request_id) const {
  return absl::StrCat(prefix_, "req:", request_id);
}

std::string IndexMember(const IndexEntry& entry, absl::string_view id) {
  return absl::StrCat(IndexName(entry), absl::string_view("\0", 1), id);
}

LexRange AllIdsRange(absl::string_view after_id) {
  return LexRange{after_id.empty() ? std::string("-") : absl::StrCat("(", after_id),
                  std::string("+"), /*strip=*/0};
}

LexRange IndexRange(const IndexEntry& entry, absl::string_view after_id) {
  const std::string name = IndexName(entry);
  // Members of this index are name \0 id; name \x01 is above all of them and
  // below every member of another index.
  return LexRange{absl::StrCat(after_id.empty() ? "[" : "(", name,
                               absl::string_view("\0", 1), after_id),
                  absl::StrCat("(", name, "\x01"), /*strip=*/name.size() + 1};
}

std::string FeedEntryId(int64_t revision) { return absl::StrCat(revision, "-1"); }

std::string FeedRangeStart(int64_t revision) { return absl::StrCat(revision, "-0"); }

bool ParseFeedEntryId(absl::string_view entry_id, int64_t* revision) {
  // SimpleAtoi would also accept "+5" and surrounding spaces; an entry ID
  // written by the commit script never has them.
  if (!absl::ConsumeSuffix(&entry_id, "-1") || entry_id.empty() ||
      entry_id.find_first_not_of("0123456789") != absl::string_view::npos) {
    return false;
  }
  return absl::SimpleAtoi(entry_id, revision) && *revision > 0;
}

}  // namespace samenspel::registry
