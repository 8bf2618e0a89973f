// A test suite whose tests share one Analyzer with the shipped data (made
// once per suite: loading the data takes a while).
#ifndef SAMENSPEL_TESTS_MATCHING_ANALYZER_SUITE_H_
#define SAMENSPEL_TESTS_MATCHING_ANALYZER_SUITE_H_

#include "gtest/gtest.h"
#include "matching-service/analysis/analyzer.h"

namespace samenspel::matching {

class AnalyzerSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto created = Analyzer::Create({});
    ASSERT_TRUE(created.ok()) << created.status();
    analyzer_ = created->release();
  }
  static void TearDownTestSuite() {
    delete analyzer_;
    analyzer_ = nullptr;
  }

  static inline const Analyzer* analyzer_ = nullptr;
};

}  // namespace samenspel::matching

#endif  // SAMENSPEL_TESTS_MATCHING_ANALYZER_SUITE_H_
