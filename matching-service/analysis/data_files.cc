#include "matching-service/analysis/data_files.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "matching-service/analysis/stop_words.h"
#include "matching-service/analysis/tokenizer.h"

namespace samenspel::matching {
namespace {

constexpr int kMaxReportedErrors = 20;

// Collects "<source>:<line>: <why>" messages and turns them into one status.
class ErrorList {
 public:
  explicit ErrorList(absl::string_view source_name) : source_name_(source_name) {}

  void Add(int line, absl::string_view why) {
    if (++count_ <= kMaxReportedErrors) {
      messages_.push_back(absl::StrCat(source_name_, ":", line, ": ", why));
    }
  }

  absl::Status ToStatus() const {
    if (count_ == 0) return absl::OkStatus();
    std::string message = absl::StrJoin(messages_, "; ");
    if (count_ > kMaxReportedErrors) {
      absl::StrAppend(&message, "; and ", count_ - kMaxReportedErrors, " more bad lines");
    }
    return absl::InvalidArgumentError(message);
  }

 private:
  const std::string source_name_;
  std::vector<std::string> messages_;
  int count_ = 0;
};

// Calls fn(line_number, content) for every line that has content once its
// comment is cut off and it is trimmed; reports invalid UTF-8 itself.
template <typename Fn>
void ForEachContentLine(absl::string_view text, ErrorList* errors, Fn fn) {
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = line.substr(0, line.find('#'));
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    if (!IsValidUtf8(line)) {
      errors->Add(line_number, "not valid UTF-8");
      continue;
    }
    fn(line_number, line);
  }
}

// The folded words of `text` that are not stop words.
std::vector<std::string> ContentWords(absl::string_view text) {
  std::vector<Token> tokens;
  std::string folded;
  Tokenize(text, &tokens, &folded);
  std::vector<std::string> words;
  for (const Token& token : tokens) {
    const absl::string_view word = FoldedWord(token, folded);
    if (StopWordLanguages(word) == 0) words.emplace_back(word);
  }
  return words;
}

}  // namespace

absl::StatusOr<std::vector<SynonymGroup>> ParseSynonyms(absl::string_view text,
                                                        absl::string_view source_name) {
  ErrorList errors(source_name);
  std::vector<SynonymGroup> groups;
  ForEachContentLine(text, &errors, [&](int line_number, absl::string_view line) {
    if (absl::StrContains(line, "=>")) {
      errors.Add(line_number,
                 "one-way mappings (\"=>\") are not supported; write an equivalence "
                 "group of comma-separated entries");
      return;
    }
    SynonymGroup group{line_number, {}};
    bool ok = true;
    for (absl::string_view raw : absl::StrSplit(line, ',')) {
      const absl::string_view entry = absl::StripAsciiWhitespace(raw);
      if (entry.empty()) {
        errors.Add(line_number, "empty entry (a stray comma?)");
        ok = false;
        break;
      }
      std::vector<std::string> words = ContentWords(entry);
      if (words.empty()) {
        errors.Add(line_number, absl::StrCat("\"", entry,
                                             "\" has no words left once stop words and "
                                             "single characters are dropped"));
        ok = false;
        break;
      }
      if (words.size() > static_cast<size_t>(kMaxPhraseWords)) {
        errors.Add(line_number, absl::StrCat("\"", entry, "\" has more than ",
                                             kMaxPhraseWords, " words"));
        ok = false;
        break;
      }
      bool duplicate = false;
      for (const SynonymEntry& seen : group.entries) duplicate |= seen.words == words;
      if (!duplicate) group.entries.push_back({std::string(entry), std::move(words)});
    }
    if (!ok) return;
    if (group.entries.size() < 2) {
      errors.Add(line_number,
                 "a group needs at least two different comma-separated entries");
      return;
    }
    groups.push_back(std::move(group));
  });
  if (absl::Status status = errors.ToStatus(); !status.ok()) return status;
  return groups;
}

absl::StatusOr<std::vector<std::string>> ParseLexicon(absl::string_view text,
                                                      absl::string_view source_name) {
  ErrorList errors(source_name);
  std::vector<std::string> words;
  ForEachContentLine(text, &errors, [&](int line_number, absl::string_view line) {
    std::vector<Token> tokens;
    std::string folded;
    Tokenize(line, &tokens, &folded);
    if (tokens.size() != 1 || tokens[0].begin != 0 || tokens[0].end != line.size()) {
      errors.Add(line_number,
                 absl::StrCat("\"", line, "\" is not one word of letters and digits"));
      return;
    }
    const absl::string_view word = FoldedWord(tokens[0], folded);
    if (StopWordLanguages(word) != 0) {
      errors.Add(line_number, absl::StrCat("\"", line, "\" is a stop word"));
      return;
    }
    words.emplace_back(word);
  });
  if (absl::Status status = errors.ToStatus(); !status.ok()) return status;
  return words;
}

}  // namespace samenspel::matching
