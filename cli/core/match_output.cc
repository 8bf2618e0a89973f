#include "cli/core/match_output.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/core/field_text.h"
#include "cli/core/output.h"
#include "google/protobuf/util/time_util.h"
#include "samenspel/type/v1/types.pb.h"

namespace samenspel::cli {
namespace {

namespace m = ::samenspel::matching::v1;
namespace type = ::samenspel::type::v1;

std::string EnumText(const google::protobuf::EnumDescriptor* descriptor, int value) {
  const google::protobuf::EnumValueDescriptor* v = descriptor->FindValueByNumber(value);
  return v != nullptr ? EnumShortName(*v) : absl::StrCat(value);
}

std::string EnumList(const google::protobuf::RepeatedField<int>& values,
                     const google::protobuf::EnumDescriptor* descriptor) {
  std::vector<std::string> names;
  for (int value : values) names.push_back(EnumText(descriptor, value));
  return names.empty() ? "-" : absl::StrJoin(names, ", ");
}

std::string Layers(const google::protobuf::RepeatedField<int>& values) {
  return EnumList(values, type::GovernmentLayer_descriptor());
}

std::string Perspectives(const google::protobuf::RepeatedField<int>& values) {
  return EnumList(values, type::Perspective_descriptor());
}

std::string List(const google::protobuf::RepeatedPtrField<std::string>& values) {
  if (values.empty()) return "-";
  std::vector<std::string> lines;
  for (const std::string& v : values) lines.push_back(OneLine(v));
  return absl::StrJoin(lines, ", ");
}

// The lines explaining a score, indented by `pad`.
void AppendExplanation(const m::Explanation& e, absl::string_view pad, std::string& out) {
  if (!e.summary().empty()) absl::StrAppend(&out, pad, OneLine(e.summary()), "\n");
  size_t width = 0;
  for (const auto& c : e.components()) width = std::max(width, c.name().size());
  for (const auto& c : e.components()) {
    absl::StrAppend(&out, pad,
                    absl::StrFormat("%-*s %7.3f  ", static_cast<int>(width),
                                    OneLine(c.name()), c.value()),
                    OneLine(c.detail()), "\n");
  }
  if (e.matched_skills_size() > 0) {
    std::vector<std::string> skills;
    for (const auto& s : e.matched_skills()) {
      skills.push_back(
          absl::StrFormat("%s <- %s (level %d, required %d, coverage %.0f%%) %+.3f",
                          OneLine(s.name()), OneLine(s.expert_skill()), s.expert_level(),
                          s.required_level(), s.coverage() * 100, s.contribution()));
    }
    absl::StrAppend(&out, pad, "matched skills: ", absl::StrJoin(skills, "; "), "\n");
  }
  if (e.matched_terms_size() > 0) {
    std::vector<std::string> terms;
    for (const auto& t : e.matched_terms()) {
      std::string term = OneLine(t.term());
      if (term.empty()) {
        // The service leaves out words of a bio the caller may not read.
        term = "words not shown (the expert's bio is not shared with you)";
      } else if (!t.query_word().empty() && t.query_word() != t.term()) {
        // The challenge's word as written; the index term beside it only
        // when it is another word (a synonym, a part), not the word's stem
        // ("gemeent" read as noise to policy staff).
        const std::string word = OneLine(t.query_word());
        const bool stem = absl::StartsWith(absl::AsciiStrToLower(word), term);
        term = stem ? word : absl::StrCat(word, " (as \"", term, "\")");
      }
      terms.push_back(
          absl::StrFormat("%s in %s %+.3f", term, OneLine(t.field()), t.contribution()));
    }
    absl::StrAppend(&out, pad, "matched terms:  ", absl::StrJoin(terms, "; "), "\n");
  }
}

std::string ExpertHeading(const m::ExpertMatch& match) {
  return absl::StrFormat("%s (%s)  score %.3f", OneLine(match.display_name()),
                         OneLine(match.expert()), match.score());
}

std::string ExpertFacts(const m::ExpertMatch& match) {
  return absl::StrCat(OneLine(match.organisation()), " · ",
                      EnumText(type::GovernmentLayer_descriptor(), match.layer()), " · ",
                      Perspectives(match.perspectives()), " · ",
                      match.available_hours_per_week(), " h/week");
}

}  // namespace

std::string RenderExpertMatches(const m::MatchExpertsResponse& response) {
  if (response.matches().empty()) {
    return absl::StrCat("No matching experts (index revision ", response.revision(),
                        ").\n");
  }
  std::string out;
  for (int i = 0; i < response.matches_size(); ++i) {
    const m::ExpertMatch& match = response.matches(i);
    absl::StrAppend(&out, "#", i + 1, "  ", ExpertHeading(match), "\n    ",
                    ExpertFacts(match), "\n");
    AppendExplanation(match.explanation(), "    ", out);
    out.push_back('\n');
  }
  absl::StrAppend(&out, response.matches_size(),
                  response.matches_size() == 1 ? " expert" : " experts",
                  " (index revision ", response.revision(), ")\n");
  return out;
}

std::string RenderTeamSuggestion(const m::SuggestTeamResponse& response) {
  std::string out = absl::StrCat("Proposed team: ", response.slots_size(),
                                 response.slots_size() == 1 ? " member" : " members",
                                 " (index revision ", response.revision(), ")\n\n");
  for (int i = 0; i < response.slots_size(); ++i) {
    const m::TeamSlot& slot = response.slots(i);
    absl::StrAppend(&out, i + 1, ". ", ExpertHeading(slot.member()), "\n   ",
                    ExpertFacts(slot.member()), "\n");
    if (!slot.reason().empty()) {
      absl::StrAppend(&out, "   why: ", OneLine(slot.reason()), "\n");
    }
    AppendExplanation(slot.member().explanation(), "   ", out);
    if (slot.alternates_size() > 0) {
      std::vector<std::string> alternates;
      for (const auto& a : slot.alternates()) {
        alternates.push_back(absl::StrFormat("%s (%s, %.3f)", OneLine(a.display_name()),
                                             OneLine(a.expert()), a.score()));
      }
      absl::StrAppend(&out, "   alternates: ", absl::StrJoin(alternates, "; "), "\n");
    }
    out.push_back('\n');
  }
  const m::Coverage& c = response.coverage();
  absl::StrAppend(
      &out, "Coverage\n", "  skills        covered: ", List(c.skills_covered()),
      "\n                missing: ", List(c.skills_missing()), "\n",
      "  layers        covered: ", Layers(c.layers_covered()),
      "\n                missing: ", Layers(c.layers_missing()), "\n",
      "  perspectives  covered: ", Perspectives(c.perspectives_covered()),
      "\n                missing: ", Perspectives(c.perspectives_missing()), "\n");
  if (response.notes_size() > 0) {
    absl::StrAppend(&out, "Notes\n");
    for (const std::string& note : response.notes())
      absl::StrAppend(&out, "  - ", OneLine(note), "\n");
  }
  return out;
}

std::string RenderTeamMatches(const m::MatchTeamsResponse& response) {
  if (response.matches().empty()) {
    return absl::StrCat("No similar teams (index revision ", response.revision(), ").\n");
  }
  std::string out;
  for (int i = 0; i < response.matches_size(); ++i) {
    const m::TeamMatch& match = response.matches(i);
    absl::StrAppend(
        &out, "#", i + 1, "  ",
        absl::StrFormat("%s (%s)  %s  score %.3f", OneLine(match.display_name()),
                        OneLine(match.team()),
                        EnumText(samenspel::registry::v1::TaskTeam::State_descriptor(),
                                 match.state()),
                        match.score()),
        "\n");
    AppendExplanation(match.explanation(), "    ", out);
    if (!match.lessons_learned().empty()) {
      absl::StrAppend(&out, "    lessons learned: ", OneLine(match.lessons_learned()),
                      "\n");
    }
    out.push_back('\n');
  }
  absl::StrAppend(&out, response.matches_size(),
                  response.matches_size() == 1 ? " team" : " teams", " (index revision ",
                  response.revision(), ")\n");
  return out;
}

std::string RenderChange(const samenspel::registry::v1::Change& change) {
  return absl::StrCat(
      change.revision(), "  ", samenspel::registry::v1::Change::Type_Name(change.type()),
      "  ", OneLine(change.name()), "  ",
      google::protobuf::util::TimeUtil::ToString(change.commit_time()), "\n");
}

}  // namespace samenspel::cli
