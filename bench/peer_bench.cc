// The peers of the matching benchmark, in process, on the same corpus and
// queries as samenspel-matching: Xapian (BM25Weight, its default) and SQLite
// FTS5 (bm25()), each the top 10 of an OR query. Run by
// bench/run_matching_bench.sh; results in RESULTS.md ("Matching").
//
// Both index the same four text fields as the matching service (skill names,
// themes, job title, bio) and query the same challenge text (title,
// description, required skill names). Words are split, lower-cased and
// accent-folded by the matching service's tokenizer, and its Dutch and English
// stop words are dropped, so every engine sees the same words:
//   xapian       one term per Dutch Snowball stem (Xapian::Stem("dutch")),
//                wdf = occurrences, one unprefixed field; OP_OR of the
//                query's distinct stems; no positions;
//   sqlite-fts5  the fields as columns, tokenizer unicode61 with
//                remove_diacritics 2, no stemming (FTS5 has none for Dutch);
//                "w1" OR "w2" OR ... of the query's distinct words, ORDER BY
//                bm25() LIMIT 10; the index is optimised (merged) once built.
// The query time covers analysing the query text, the search and reading the
// ten results' names; the index build is timed separately. Queries run one at
// a time after one warm-up pass.
#include <sqlite3.h>
#include <xapian.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "bench/bench_util.h"
#include "matching-service/analysis/stop_words.h"
#include "matching-service/analysis/tokenizer.h"
#include "samenspel/registry/v1/resources.pb.h"

ABSL_FLAG(std::string, engine, "xapian", "xapian or sqlite-fts5.");
ABSL_FLAG(std::string, corpus, "", "Folder with experts.jsonl and queries.jsonl.");
ABSL_FLAG(std::string, index_dir, "",
          "Folder for the index (created; replaced if there).");
ABSL_FLAG(int, rounds, 5, "Passes over the query set.");
ABSL_FLAG(std::string, label, "", "Prefix of the summary rows' measurement names.");
ABSL_FLAG(std::string, summary, "", "Summary file to append rows to (optional).");

namespace samenspel::bench {
namespace {

namespace rv1 = ::samenspel::registry::v1;
using matching::FoldedWord;
using matching::StopWordLanguages;
using matching::Token;

// The folded, non-stop words of `text`, in order, repeats included.
std::vector<std::string> Words(absl::string_view text) {
  thread_local std::vector<Token> tokens;
  thread_local std::string folded;
  matching::Tokenize(text, &tokens, &folded);
  std::vector<std::string> out;
  for (const Token& t : tokens) {
    absl::string_view w = FoldedWord(t, folded);
    if (StopWordLanguages(w) == 0) out.emplace_back(w);
  }
  return out;
}

std::string QueryText(const rv1::Challenge& c) {
  std::string text = absl::StrCat(c.title(), "\n", c.description());
  for (const auto& s : c.required_skills()) absl::StrAppend(&text, "\n", s.name());
  return text;
}

std::string SkillText(const rv1::Expert& e) {
  std::vector<std::string> names;
  for (const auto& s : e.skills()) names.push_back(s.name());
  return absl::StrJoin(names, "\n");
}

// One engine: builds its index from the experts, then answers a query text
// with the names of its top 10.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual void Add(const rv1::Expert& e) = 0;
  // Ends the build (commit, optimise) and readies the searcher.
  virtual void Finish() = 0;
  // Returns how many names it read (<= 10); `*matched` is the engine's
  // estimate of all matching documents, or -1.
  virtual int Search(const std::string& query_text, int64_t* matched) = 0;
};

class XapianEngine : public Engine {
 public:
  explicit XapianEngine(const std::string& path)
      : path_(path), writer_(path, Xapian::DB_CREATE_OR_OVERWRITE), stem_("dutch") {}

  void Add(const rv1::Expert& e) override {
    Xapian::Document doc;
    auto add = [&](absl::string_view text) {
      for (const std::string& w : Words(text)) doc.add_term(stem_(w));
    };
    add(SkillText(e));
    for (const auto& t : e.themes()) add(t);
    add(e.job_title());
    add(e.bio());
    doc.set_data(e.name());
    writer_.add_document(doc);
  }

  void Finish() override {
    writer_.commit();
    writer_.close();
    reader_ = Xapian::Database(path_);
    enquire_ = std::make_unique<Xapian::Enquire>(reader_);  // BM25Weight by default
  }

  int Search(const std::string& query_text, int64_t* matched) override {
    std::vector<std::string> terms;
    absl::flat_hash_set<std::string> seen;
    for (const std::string& w : Words(query_text)) {
      std::string t = stem_(w);
      if (seen.insert(t).second) terms.push_back(std::move(t));
    }
    enquire_->set_query(Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()));
    Xapian::MSet top = enquire_->get_mset(0, 10);
    int n = 0;
    for (auto it = top.begin(); it != top.end(); ++it)
      n += !it.get_document().get_data().empty();
    *matched = top.get_matches_estimated();
    return n;
  }

 private:
  const std::string path_;
  Xapian::WritableDatabase writer_;
  Xapian::Stem stem_;
  Xapian::Database reader_;
  std::unique_ptr<Xapian::Enquire> enquire_;
};

class Fts5Engine : public Engine {
 public:
  explicit Fts5Engine(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) Fail("open");
    Exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-4000000;");
    Exec(
        "CREATE VIRTUAL TABLE experts USING fts5(name UNINDEXED, skills, themes, "
        "job_title, "
        "bio, tokenize = 'unicode61 remove_diacritics 2')");
    Exec("BEGIN");
    insert_ = Prepare("INSERT INTO experts VALUES (?1, ?2, ?3, ?4, ?5)");
  }
  ~Fts5Engine() override {
    sqlite3_finalize(insert_);
    sqlite3_finalize(search_);
    sqlite3_close(db_);
  }

  void Add(const rv1::Expert& e) override {
    const std::string texts[] = {e.name(), SkillText(e), absl::StrJoin(e.themes(), "\n"),
                                 e.job_title(), e.bio()};
    for (int i = 0; i < 5; ++i) {
      sqlite3_bind_text(insert_, i + 1, texts[i].data(), texts[i].size(),
                        SQLITE_TRANSIENT);
    }
    if (sqlite3_step(insert_) != SQLITE_DONE) Fail("insert");
    sqlite3_reset(insert_);
  }

  void Finish() override {
    Exec("COMMIT");
    Exec("INSERT INTO experts(experts) VALUES('optimize')");
    search_ = Prepare(
        "SELECT name FROM experts WHERE experts MATCH ?1 ORDER BY bm25(experts) LIMIT "
        "10");
  }

  int Search(const std::string& query_text, int64_t* matched) override {
    std::vector<std::string> quoted;
    absl::flat_hash_set<std::string> seen;
    for (const std::string& w : Words(query_text)) {
      if (seen.insert(w).second) quoted.push_back(absl::StrCat("\"", w, "\""));
    }
    const std::string match = absl::StrJoin(quoted, " OR ");
    sqlite3_bind_text(search_, 1, match.data(), match.size(), SQLITE_TRANSIENT);
    int n = 0;
    int rc;
    while ((rc = sqlite3_step(search_)) == SQLITE_ROW) {
      n += sqlite3_column_bytes(search_, 0) > 0;
    }
    if (rc != SQLITE_DONE) Fail("search");
    sqlite3_reset(search_);
    *matched = -1;
    return n;
  }

 private:
  [[noreturn]] void Fail(const char* what) {
    Die(absl::StrCat("sqlite ", what, ": ", sqlite3_errmsg(db_)));
  }
  void Exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) Fail(sql);
  }
  sqlite3_stmt* Prepare(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) Fail(sql);
    return stmt;
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* search_ = nullptr;
};

uint64_t DiskBytes(const std::filesystem::path& dir) {
  uint64_t bytes = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (f.is_regular_file()) bytes += f.file_size();
  }
  return bytes;
}

int Main() {
  const std::string engine_name = absl::GetFlag(FLAGS_engine);
  const std::string corpus = absl::GetFlag(FLAGS_corpus);
  const std::filesystem::path dir = absl::GetFlag(FLAGS_index_dir);
  if (corpus.empty() || dir.empty()) Die("--corpus and --index_dir are required");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::unique_ptr<Engine> engine;
  if (engine_name == "xapian") {
    engine = std::make_unique<XapianEngine>(dir / "xapian");
  } else if (engine_name == "sqlite-fts5") {
    engine = std::make_unique<Fts5Engine>(dir / "fts5.db");
  } else {
    Die("--engine must be xapian or sqlite-fts5");
  }

  const absl::Time build_start = absl::Now();
  int64_t docs = 0;
  ForEachJsonLine<rv1::Expert>(corpus + "/experts.jsonl", [&](const rv1::Expert& e) {
    engine->Add(e);
    ++docs;
  });
  engine->Finish();
  const double build_seconds = absl::ToDoubleSeconds(absl::Now() - build_start);

  std::vector<std::string> queries;
  ForEachJsonLine<rv1::Challenge>(
      corpus + "/queries.jsonl",
      [&](const rv1::Challenge& c) { queries.push_back(QueryText(c)); });
  std::vector<double> us;
  int64_t results = 0, matched = 0;
  const int rounds = absl::GetFlag(FLAGS_rounds);
  for (int r = -1; r < rounds; ++r) {
    for (const std::string& q : queries) {
      int64_t estimate = 0;
      const absl::Time begin = absl::Now();
      const int n = engine->Search(q, &estimate);
      const double elapsed = absl::ToDoubleMicroseconds(absl::Now() - begin);
      if (r < 0) {
        results += n;
        matched += estimate;
      } else {
        us.push_back(elapsed);
      }
    }
  }
  std::sort(us.begin(), us.end());
  const std::string build =
      absl::StrFormat("index of %lld experts built in %.1f s, %.0f MB on disk",
                      static_cast<long long>(docs), build_seconds, DiskBytes(dir) / 1e6);
  std::string note = absl::StrFormat("%.1f results per query",
                                     static_cast<double>(results) / queries.size());
  if (matched >= 0) {
    absl::StrAppendFormat(&note, ", %.0f matching docs per query (estimate)",
                          static_cast<double>(matched) / queries.size());
  }
  std::printf("%s: %s\n%s: query p50 %s p99 %s max %s ms (%zu queries x %d rounds; %s)\n",
              engine_name.c_str(), build.c_str(), engine_name.c_str(),
              Ms(us, 0.5).c_str(), Ms(us, 0.99).c_str(), Ms(us, 1.0).c_str(),
              queries.size(), rounds, note.c_str());
  const std::string label = absl::GetFlag(FLAGS_label);
  const std::string summary = absl::GetFlag(FLAGS_summary);
  AppendSummary(summary,
                {engine_name, absl::StrCat(label, "index build"), "-", "-", build});
  AppendSummary(summary, {engine_name, absl::StrCat(label, "query top 10, 1 thread"),
                          Ms(us, 0.5), Ms(us, 0.99), note});
  return 0;
}

}  // namespace
}  // namespace samenspel::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return samenspel::bench::Main();
}
