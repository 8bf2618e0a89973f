// Fuzzes the parsers of the analyser's data files
// (matching-service/analysis/data_files.h), which an operator may replace,
// and an Analyzer built from whatever synonym file parses.
//
// Input: the contents of a synonyms.txt (also parsed as a lexicon.txt).
// Invariants:
//  - a file is rejected only with INVALID_ARGUMENT naming "<file>:<line>:";
//  - a parsed table: groups in line order, each of at least two entries with
//    different words; each entry's text non-empty and trimmed, with 1 to
//    kMaxPhraseWords words that are what the tokenizer makes of them;
//  - a parsed lexicon: one folded word per line;
//  - with that table, an Analyzer matches every entry of a group as a query
//    against every other entry as a document (groups are symmetric).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "matching-service/analysis/analyzer.h"
#include "matching-service/analysis/data_files.h"
#include "matching-service/analysis/tokenizer.h"
#include "tests/fuzz/fuzz_check.h"

namespace samenspel::matching {
namespace {

// A few lexicon words, so compound splitting and "Dutch for sure" take part
// without the cost of the shipped lexicon on every input.
constexpr absl::string_view kLexicon = "woning\nbouw\nopgave\nzorg\njeugd\nwater\n";

void CheckError(const absl::Status& status, absl::string_view source_name) {
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  FUZZ_CHECK(absl::StartsWith(status.message(), source_name));
}

bool IsFoldedWord(absl::string_view word) {
  std::vector<Token> tokens;
  std::string folded;
  Tokenize(word, &tokens, &folded);
  return tokens.size() == 1 && FoldedWord(tokens[0], folded) == word;
}

void CheckGroups(const std::vector<SynonymGroup>& groups, absl::string_view text) {
  const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  int last_line = 0;
  for (const SynonymGroup& group : groups) {
    FUZZ_CHECK(group.line > last_line && group.line <= lines);
    last_line = group.line;
    FUZZ_CHECK(group.entries.size() >= 2);
    std::set<std::vector<std::string>> distinct;
    for (const SynonymEntry& entry : group.entries) {
      FUZZ_CHECK(!entry.text.empty() && IsValidUtf8(entry.text));
      FUZZ_CHECK(!absl::ascii_isspace(entry.text.front()) &&
                 !absl::ascii_isspace(entry.text.back()));
      FUZZ_CHECK(!absl::StrContains(entry.text, ',') &&
                 !absl::StrContains(entry.text, '#'));
      FUZZ_CHECK(!entry.words.empty() &&
                 entry.words.size() <= static_cast<size_t>(kMaxPhraseWords));
      for (const std::string& word : entry.words) FUZZ_CHECK(IsFoldedWord(word));
      FUZZ_CHECK(distinct.insert(entry.words).second);
    }
  }
}

bool Matches(const std::vector<AnalyzedTerm>& query,
             const std::vector<AnalyzedTerm>& document) {
  for (const AnalyzedTerm& q : query) {
    for (const AnalyzedTerm& d : document) {
      if (q.term == d.term) return true;
    }
  }
  return false;
}

void CheckAnalyzer(const std::vector<SynonymGroup>& groups, absl::string_view text) {
  AnalyzerOptions options;
  options.synonyms_text = std::string(text);
  options.lexicon_text = std::string(kLexicon);
  absl::StatusOr<std::unique_ptr<Analyzer>> analyzer = Analyzer::Create(options);
  FUZZ_CHECK(analyzer.ok());
  for (const SynonymGroup& group : groups) {
    std::vector<std::vector<AnalyzedTerm>> documents;
    for (const SynonymEntry& b : group.entries) {
      documents.push_back((*analyzer)->AnalyzeDocument(b.text));
    }
    for (const SynonymEntry& a : group.entries) {
      const std::vector<AnalyzedTerm> query = (*analyzer)->AnalyzeQuery(a.text);
      for (size_t b = 0; b < documents.size(); ++b) {
        if (!Matches(query, documents[b])) {
          std::fprintf(stderr, "line %d: query \"%s\" does not find \"%s\"\n", group.line,
                       a.text.c_str(), group.entries[b].text.c_str());
          FUZZ_CHECK(false);
        }
      }
    }
  }
}

}  // namespace
}  // namespace samenspel::matching

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace samenspel::matching;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<std::vector<std::string>> lexicon = ParseLexicon(text, "lexicon.txt");
  if (lexicon.ok()) {
    for (const std::string& word : *lexicon) FUZZ_CHECK(IsFoldedWord(word));
  } else {
    CheckError(lexicon.status(), "lexicon.txt:");
  }

  absl::StatusOr<std::vector<SynonymGroup>> groups = ParseSynonyms(text, "synonyms.txt");
  if (!groups.ok()) {
    CheckError(groups.status(), "synonyms.txt:");
    return 0;
  }
  CheckGroups(*groups, text);
  CheckAnalyzer(*groups, text);
  return 0;
}
