// Fuzzes the text analyser (matching-service/analysis/analyzer.h) with the
// shipped synonyms and lexicon: every expert field and challenge text of the
// registry goes through it, so it sees arbitrary client bytes.
//
// Input: any bytes (invalid UTF-8 included), analysed as a document and as a
// query, and tokenised on its own.
// Invariants:
//  - tokens: in text order, not overlapping, folded to valid UTF-8 of
//    kMinWordBytes..kMaxWordBytes without ASCII capitals or separators;
//  - terms: non-empty valid UTF-8 without capitals; a source that is a
//    non-empty part of the input; weights in (0, 1], exact terms weigh 1;
//    groups numbered from 0 without gaps; no synonyms in a document;
//  - a query holds each term at most once per group, and every term of the
//    same text analysed as a document ("its term for a word is among the
//    query's terms");
//  - analysing again (now from the per-thread word cache) gives the same.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "matching-service/analysis/analyzer.h"
#include "matching-service/analysis/tokenizer.h"
#include "tests/fuzz/fuzz_check.h"

namespace samenspel::matching {
namespace {

using Origin = AnalyzedTerm::Origin;

const Analyzer& SharedAnalyzer() {
  static const Analyzer* analyzer = [] {
    absl::StatusOr<std::unique_ptr<Analyzer>> created = Analyzer::Create({});
    FUZZ_CHECK(created.ok());
    return created->release();
  }();
  return *analyzer;
}

bool HasAsciiCapital(absl::string_view s) {
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

// True when `part` is a view into `whole`.
bool Within(absl::string_view part, absl::string_view whole) {
  return part.data() >= whole.data() &&
         part.data() + part.size() <= whole.data() + whole.size();
}

void CheckTokens(absl::string_view text) {
  std::vector<Token> tokens;
  std::string folded;
  Tokenize(text, &tokens, &folded);
  uint32_t text_end = 0;
  uint32_t folded_end = 0;
  for (const Token& t : tokens) {
    FUZZ_CHECK(t.begin >= text_end && t.begin < t.end && t.end <= text.size());
    FUZZ_CHECK(t.folded_begin >= folded_end && t.folded_end <= folded.size());
    text_end = t.end;
    folded_end = t.folded_end;
    const absl::string_view word = FoldedWord(t, folded);
    FUZZ_CHECK(word.size() >= kMinWordBytes && word.size() <= kMaxWordBytes);
    FUZZ_CHECK(IsValidUtf8(word) && !HasAsciiCapital(word));
    for (char c : word) {
      FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x80 || (c >= 'a' && c <= 'z') ||
                 (c >= '0' && c <= '9'));
    }
  }
}

void CheckTerms(const std::vector<AnalyzedTerm>& terms, absl::string_view text,
                bool query) {
  int next_group = 0;
  for (const AnalyzedTerm& t : terms) {
    FUZZ_CHECK(!t.term.empty() && IsValidUtf8(t.term) && !HasAsciiCapital(t.term));
    FUZZ_CHECK(!t.source.empty() && Within(t.source, text));
    FUZZ_CHECK(t.weight > 0 && t.weight <= 1);
    FUZZ_CHECK(t.origin != Origin::kExact || t.weight == 1);
    FUZZ_CHECK(query || t.origin != Origin::kSynonym);
    FUZZ_CHECK(t.group == next_group - 1 || t.group == next_group);
    if (t.group == next_group) ++next_group;
  }
  if (!query) return;
  std::set<std::pair<int, std::string>> seen;
  for (const AnalyzedTerm& t : terms) FUZZ_CHECK(seen.emplace(t.group, t.term).second);
}

bool SameTerms(const std::vector<AnalyzedTerm>& a, const std::vector<AnalyzedTerm>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].term != b[i].term || a[i].source != b[i].source ||
        a[i].weight != b[i].weight || a[i].origin != b[i].origin ||
        a[i].group != b[i].group) {
      return false;
    }
  }
  return true;
}

}  // namespace
}  // namespace samenspel::matching

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace samenspel::matching;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const Analyzer& analyzer = SharedAnalyzer();
  CheckTokens(text);

  const std::vector<AnalyzedTerm> document = analyzer.AnalyzeDocument(text);
  CheckTerms(document, text, /*query=*/false);
  const std::vector<AnalyzedTerm> query = analyzer.AnalyzeQuery(text);
  CheckTerms(query, text, /*query=*/true);

  std::set<absl::string_view> query_terms;
  for (const AnalyzedTerm& t : query) query_terms.insert(t.term);
  for (const AnalyzedTerm& t : document) FUZZ_CHECK(query_terms.contains(t.term));

  FUZZ_CHECK(SameTerms(analyzer.AnalyzeDocument(text), document));
  FUZZ_CHECK(SameTerms(analyzer.AnalyzeQuery(text), query));
  return 0;
}
