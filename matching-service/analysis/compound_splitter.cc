#include "matching-service/analysis/compound_splitter.h"

#include <algorithm>
#include <climits>

#include "matching-service/analysis/stemmer.h"

namespace samenspel::matching {
namespace {

bool IsLowerAsciiWord(absl::string_view word) {
  return std::all_of(word.begin(), word.end(),
                     [](char c) { return c >= 'a' && c <= 'z'; });
}

// The best way found so far to split word[0, end) into known parts, ending
// with the part word[part_begin, part_end) (plus a linking morpheme up to end).
struct PartialSplit {
  int parts = INT_MAX;  // INT_MAX: no way found
  int linkers = 0;
  size_t first_length = 0;
  size_t part_begin = 0;
  size_t part_end = 0;

  bool BetterThan(const PartialSplit& other) const {
    if (parts != other.parts) return parts < other.parts;
    if (linkers != other.linkers) return linkers < other.linkers;
    return first_length > other.first_length;
  }
};

constexpr absl::string_view kLinkers[] = {"", "s", "e", "en"};

}  // namespace

CompoundSplitter::CompoundSplitter(const std::vector<std::string>& lexicon,
                                   const std::vector<std::string>& extra_parts) {
  for (const std::vector<std::string>* words : {&lexicon, &extra_parts}) {
    for (const std::string& word : *words) {
      if (word.size() < kMinPartLength || !IsLowerAsciiWord(word)) continue;
      std::string stem = Stem(Language::kDutch, word);
      if (words == &lexicon) lexicon_stems_.insert(stem);
      if (!parts_.insert(word).second) continue;
      longest_part_ = std::max(longest_part_, word.size());
      if (stem.size() >= kMinPartLength) part_stems_.insert(std::move(stem));
    }
  }
}

bool CompoundSplitter::IsLexiconStem(absl::string_view dutch_stem) const {
  return lexicon_stems_.contains(dutch_stem);
}

std::vector<absl::string_view> CompoundSplitter::Split(absl::string_view word) const {
  return Split(word, Stem(Language::kDutch, word));
}

std::vector<absl::string_view> CompoundSplitter::Split(
    absl::string_view word, absl::string_view dutch_stem) const {
  const size_t n = word.size();
  if (n < 2 * kMinPartLength || !IsLowerAsciiWord(word) || IsLexiconStem(dutch_stem)) {
    return {};
  }

  // best[k]: the best split of word[0, k) into parts, each followed by an
  // optional linking morpheme, where more parts must follow.
  std::vector<PartialSplit> best(n);
  best[0].parts = 0;
  PartialSplit whole;  // the best split of the whole word
  for (size_t i = 0; i < n; ++i) {
    const PartialSplit& from = best[i];
    if (from.parts == INT_MAX || from.parts + 1 > static_cast<int>(kMaxParts)) continue;
    const size_t last_end = std::min(n, i + longest_part_);
    // The whole word is no split of itself (it may be an extra part).
    const size_t end = i == 0 ? std::min(last_end, n - 1) : last_end;
    for (size_t j = i + kMinPartLength; j <= end; ++j) {
      if (!parts_.contains(word.substr(i, j - i))) continue;
      PartialSplit next{from.parts + 1, from.linkers, i == 0 ? j : from.first_length, i,
                        j};
      if (j == n) {
        if (next.BetterThan(whole)) whole = next;
        continue;
      }
      for (absl::string_view linker : kLinkers) {
        const size_t k = j + linker.size();
        if (k + kMinPartLength > n || word.substr(j, linker.size()) != linker) continue;
        PartialSplit linked = next;
        linked.linkers += linker.empty() ? 0 : 1;
        if (linked.BetterThan(best[k])) best[k] = linked;
      }
    }
    // An inflected last part ("opgaven" for "opgave").
    if (i > 0 && n - i >= kMinPartLength && !parts_.contains(word.substr(i)) &&
        part_stems_.contains(Stem(Language::kDutch, word.substr(i)))) {
      PartialSplit next{from.parts + 1, from.linkers, from.first_length, i, n};
      if (next.BetterThan(whole)) whole = next;
    }
  }
  if (whole.parts == INT_MAX) {
    // No split into known parts: known parts and a last part (the head of a
    // Dutch compound) that is not known ("woningbouw|versnelling"), as long
    // as both sides are long enough not to be a chance prefix; the longest
    // known start wins.
    for (size_t i = n - kMinUnknownPart; i >= kMinKnownStart; --i) {
      if (best[i].parts == INT_MAX || best[i].parts + 1 > static_cast<int>(kMaxParts)) {
        continue;
      }
      whole =
          PartialSplit{best[i].parts + 1, best[i].linkers, best[i].first_length, i, n};
      break;
    }
    if (whole.parts == INT_MAX) return {};
  }

  std::vector<absl::string_view> parts(static_cast<size_t>(whole.parts));
  const PartialSplit* at = &whole;
  for (size_t p = parts.size(); p-- > 0;) {
    parts[p] = word.substr(at->part_begin, at->part_end - at->part_begin);
    at = &best[at->part_begin];
  }
  return parts;
}

}  // namespace samenspel::matching
