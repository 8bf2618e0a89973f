#include "registry-service/redis/redis_keys.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"

namespace samenspel::registry {
namespace {

// '%' first, so the '%' that escapes '=' is not escaped again.
std::string EscapeField(absl::string_view field) {
  return absl::StrReplaceAll(field, {{"%", "%25"}, {"=", "%3D"}});
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

std::string RedisKeys::Index(Kind kind, const IndexEntry& entry) const {
  return absl::StrCat(prefix_, "ix:", KindCollection(kind), ":", EscapeField(entry.field),
                      "=", entry.value);
}

std::string RedisKeys::Schema() const { return absl::StrCat(prefix_, "schema"); }

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

std::string RedisKeys::RequestFingerprint(absl::string_view request_id) const {
  return absl::StrCat(prefix_, "reqfp:", request_id);
}

std::string PositionsAfter(int64_t after_position) {
  return after_position <= 0 ? std::string("-inf") : absl::StrCat("(", after_position);
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
