// AccessControl's list methods over MemoryAccessStore: paging with a filter
// returns every matching record exactly once, also when a page fills up in
// the middle of the store's last, short page.
#include "registry-service/core/access_control.h"

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry-service/core/access_store.h"
#include "registry-service/core/memory_store.h"
#include "registry-service/core/registry.h"
#include "samenspel/registry/v1/resources.pb.h"
#include "tests/support/status_details.h"

namespace samenspel::registry {
namespace {

using ::samenspel::test_support::BadFields;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

class AccessControlListTest : public ::testing::Test {
 protected:
  AccessControlListTest() {
    admin_.set_subject("admin");
    admin_.set_role(v1::ROLE_ADMIN);
  }

  MemoryStore store_;
  v1::Principal admin_;
};

// Organisation of the i-th record: A, A, B, A, A, B, A, ...
std::string OrgOf(int i) { return i % 3 == 2 ? "organisations/b" : "organisations/a"; }

TEST_F(AccessControlListTest, FilteredTokenPagesReturnEveryMatchOnce) {
  std::vector<std::string> want;
  for (int n : {2, 5, 7, 11}) {
    MemoryAccessStore fresh;
    AccessControl control(&fresh, &store_, AccessControlOptions{});
    want.clear();
    for (int i = 0; i < n; ++i) {
      StoredToken t;
      t.id = absl::StrCat("t", 100 + i);
      t.secret_hash = absl::StrCat("hash", i);
      t.token.set_name("accessTokens/" + t.id);
      t.token.set_organisation(OrgOf(i));
      ASSERT_TRUE(fresh.CreateToken(t).ok());
      if (OrgOf(i) == "organisations/a") want.push_back(t.token.name());
    }
    for (int page_size : {1, 2, 3, 4, 50}) {
      v1::ListAccessTokensRequest req;
      req.set_organisation("organisations/a");
      req.set_page_size(page_size);
      std::vector<std::string> got;
      for (int pages = 0; pages < 100; ++pages) {
        auto r = control.ListTokens(admin_, req);
        ASSERT_TRUE(r.ok()) << r.status();
        for (const auto& t : r->access_tokens()) got.push_back(t.name());
        if (r->next_page_token().empty()) break;
        req.set_page_token(r->next_page_token());
      }
      EXPECT_THAT(got, ElementsAreArray(want)) << n << " tokens, page size " << page_size;
    }
  }
}

TEST_F(AccessControlListTest, FilteredAuditPagesReturnEveryMatchOnce) {
  for (int n : {2, 5, 7, 11}) {
    MemoryAccessStore fresh;
    AccessControl control(&fresh, &store_, AccessControlOptions{});
    std::vector<v1::AuditEvent> events;
    std::vector<std::string> want;  // newest first
    for (int i = 0; i < n; ++i) {
      v1::AuditEvent e;
      e.set_method(absl::StrCat("m", i));
      e.mutable_principal()->set_subject("someone");
      e.mutable_principal()->set_organisation(OrgOf(i));
      e.mutable_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
      events.push_back(e);
      if (OrgOf(i) == "organisations/a") want.insert(want.begin(), e.method());
    }
    ASSERT_TRUE(fresh.AppendAudit(events, absl::Hours(1)).ok());
    for (int page_size : {1, 2, 3, 4, 50}) {
      v1::ListAuditEventsRequest req;
      req.set_organisation("organisations/a");
      req.set_page_size(page_size);
      std::vector<std::string> got;
      for (int pages = 0; pages < 100; ++pages) {
        auto r = control.ListAudit(admin_, req);
        ASSERT_TRUE(r.ok()) << r.status();
        for (const auto& e : r->audit_events()) got.push_back(e.method());
        if (r->next_page_token().empty()) break;
        req.set_page_token(r->next_page_token());
      }
      EXPECT_THAT(got, ElementsAreArray(want)) << n << " events, page size " << page_size;
    }
  }
}

// A token acts for the organisation it was issued for: not for one made
// later under the same name (after the first was deleted).
TEST_F(AccessControlListTest, ATokenDoesNotActForAnOrganisationCreatedAgain) {
  MemoryAccessStore tokens;
  AccessControl control(&tokens, &store_, AccessControlOptions{});
  auto put_org = [&](Mutation::Op op, absl::Time created) {
    v1::Organisation o;
    o.set_name("organisations/a");
    o.mutable_create_time()->set_seconds(absl::ToUnixSeconds(created));
    CommitRequest req;
    Mutation m;
    m.op = op;
    m.kind = Kind::kOrganisation;
    m.id = "a";
    m.data = o.SerializeAsString();
    req.mutations.push_back(m);
    ASSERT_TRUE(store_.Commit(req).ok());
  };
  put_org(Mutation::Op::kCreate, absl::Now() - absl::Hours(1));
  v1::CreateAccessTokenRequest create;
  create.mutable_access_token()->set_role(v1::ROLE_EDITOR);
  create.mutable_access_token()->set_organisation("organisations/a");
  create.mutable_access_token()->mutable_expire_time()->set_seconds(
      absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
  absl::StatusOr<v1::CreateAccessTokenResponse> issued =
      control.CreateToken(admin_, create);
  ASSERT_TRUE(issued.ok()) << issued.status();
  // Deleted and made again (as the store sees it: created later). Also
  // within a minute of the token: the token knows the record it was
  // issued for, so no clock leeway lets it over to the new one.
  put_org(Mutation::Op::kUpdate, absl::Now() + absl::Seconds(30));
  absl::Status s = control.AuthenticateBearer(issued->secret()).status();
  EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;
  EXPECT_THAT(std::string(s.message()), testing::HasSubstr("created again"));

  // A token issued before tokens knew their organisation's record is
  // judged by times: refused once the organisation is more than a minute
  // younger than the token.
  auto legacy = [&](const std::string& id, absl::Time issued) {
    StoredToken t;
    t.id = id;
    t.token.set_name("accessTokens/" + id);
    t.token.set_organisation("organisations/a");
    t.token.set_role(v1::ROLE_READER);
    t.token.mutable_expire_time()->set_seconds(
        absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
    t.token.mutable_create_time()->set_seconds(absl::ToUnixSeconds(issued));
    const std::string secret = absl::StrCat("sst.", id, ".secret-of-", id, "-0123456789");
    t.secret_hash = AccessControl::HashSecret(secret);
    EXPECT_TRUE(tokens.CreateToken(t).ok());
    return control.AuthenticateBearer(secret).status();
  };
  s = legacy("0123456789abcdef", absl::Now() - absl::Minutes(2));
  EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;
  s = legacy("fedcba9876543210", absl::Now() - absl::Seconds(20));
  EXPECT_TRUE(s.ok()) << s;
}

// The registry tells AccessControl of every organisation it changes: a
// token verified (and cached) a moment before its organisation is deleted
// stops at once, also for the organisation made again under that name, and
// an OIN given to or taken from an organisation holds at once, not after
// the cache's time (5 s) as before.
TEST_F(AccessControlListTest, OrganisationChangesReachTheCacheAtOnce) {
  MemoryAccessStore tokens;
  AccessControl control(&tokens, &store_, AccessControlOptions{});
  RegistryOptions options;
  options.organisation_changed = [&control](const std::string& organisation) {
    control.OrganisationChanged(organisation);
  };
  Registry registry(&store_, options);
  constexpr char kOin[] = "00000001002220647000";
  v1::CreateOrganisationRequest create_org;
  create_org.set_organisation_id("a");
  create_org.mutable_organisation()->set_display_name("Gemeente A");
  create_org.mutable_organisation()->set_layer(type::v1::GOVERNMENT_LAYER_MUNICIPAL);
  ASSERT_TRUE(registry.CreateOrganisation(create_org).ok());

  v1::CreateAccessTokenRequest create;
  create.mutable_access_token()->set_role(v1::ROLE_EDITOR);
  create.mutable_access_token()->set_organisation("organisations/a");
  create.mutable_access_token()->mutable_expire_time()->set_seconds(
      absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
  absl::StatusOr<v1::CreateAccessTokenResponse> issued =
      control.CreateToken(admin_, create);
  ASSERT_TRUE(issued.ok()) << issued.status();
  ASSERT_TRUE(control.AuthenticateBearer(issued->secret()).ok());
  ASSERT_TRUE(control.CachedBearer(issued->secret()).has_value());  // cached

  v1::DeleteOrganisationRequest remove;
  remove.set_name("organisations/a");
  ASSERT_TRUE(registry.DeleteOrganisation(remove).ok());
  absl::Status s = control.AuthenticateBearer(issued->secret()).status();
  EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;
  EXPECT_THAT(std::string(s.message()), testing::HasSubstr("no longer exists"));
  ASSERT_TRUE(registry.CreateOrganisation(create_org).ok());
  s = control.AuthenticateBearer(issued->secret()).status();
  EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;

  // An OIN: refused (and that cached), given, taken away.
  EXPECT_TRUE(absl::IsUnauthenticated(control.AuthenticateOin(kOin).status()));
  v1::UpdateOrganisationRequest give;
  give.mutable_organisation()->set_name("organisations/a");
  give.mutable_organisation()->set_oin(kOin);
  give.mutable_update_mask()->add_paths("oin");
  ASSERT_TRUE(registry.UpdateOrganisation(give, admin_).ok());
  absl::StatusOr<v1::Principal> by_oin = control.AuthenticateOin(kOin);
  ASSERT_TRUE(by_oin.ok()) << by_oin.status();
  EXPECT_EQ(by_oin->organisation(), "organisations/a");
  v1::UpdateOrganisationRequest take = give;
  take.mutable_organisation()->clear_oin();
  ASSERT_TRUE(registry.UpdateOrganisation(take, admin_).ok());
  EXPECT_TRUE(absl::IsUnauthenticated(control.AuthenticateOin(kOin).status()));
}

// The organisation "a", created in `store`.
absl::Status AddOrganisationA(MemoryStore& store) {
  CommitRequest org;
  Mutation m;
  m.op = Mutation::Op::kCreate;
  m.kind = Kind::kOrganisation;
  m.id = "a";
  v1::Organisation a;
  a.set_name("organisations/a");
  m.data = a.SerializeAsString();
  org.mutations.push_back(m);
  return store.Commit(org).status();
}

v1::Principal Admin() {
  v1::Principal admin;
  admin.set_subject("admin");
  admin.set_role(v1::ROLE_ADMIN);
  return admin;
}

// A request for a reader token of organisation "a" that expires in `ttl`.
v1::CreateAccessTokenRequest ReaderTokenOfA(absl::Duration ttl) {
  v1::CreateAccessTokenRequest create;
  create.mutable_access_token()->set_role(v1::ROLE_READER);
  create.mutable_access_token()->set_organisation("organisations/a");
  create.mutable_access_token()->mutable_expire_time()->set_seconds(
      absl::ToUnixSeconds(absl::Now() + ttl));
  return create;
}

// An access store whose next GetToken, once armed, reads the token and then
// waits until released: a verification in flight while a revocation runs.
class PausingAccessStore : public MemoryAccessStore {
 public:
  void Arm() {
    absl::MutexLock lock(&mu_);
    armed_ = true;
  }
  void WaitUntilPaused() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&paused_));
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    released_ = true;
  }
  absl::StatusOr<StoredToken> GetToken(const std::string& id) override {
    absl::StatusOr<StoredToken> token = MemoryAccessStore::GetToken(id);
    absl::MutexLock lock(&mu_);
    if (!armed_) return token;
    armed_ = false;
    paused_ = true;
    mu_.Await(absl::Condition(&released_));
    return token;
  }

 private:
  absl::Mutex mu_;
  bool armed_ ABSL_GUARDED_BY(mu_) = false;
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
};

// A token verified while it was being revoked on this replica is not cached
// as valid: the revocation holds at once, as AccessControl promises.
TEST(AccessControlRevocationTest, AVerificationOverlappingARevocationIsNotCached) {
  PausingAccessStore tokens;
  MemoryStore store;
  ASSERT_TRUE(AddOrganisationA(store).ok());
  AccessControl control(&tokens, &store, AccessControlOptions{});
  const v1::Principal admin = Admin();
  v1::CreateAccessTokenRequest create = ReaderTokenOfA(absl::Hours(1));
  // A timestamp out of range is refused, not stored (a CLI could not show it).
  v1::CreateAccessTokenRequest bad = create;
  bad.mutable_access_token()->mutable_expire_time()->set_nanos(2000000000);
  EXPECT_THAT(BadFields(control.CreateToken(admin, bad).status()),
              ElementsAre("access_token.expire_time"));
  v1::ListAuditEventsRequest audit;
  audit.mutable_start_time()->set_nanos(-1);
  audit.mutable_end_time()->set_seconds(int64_t{1} << 62);
  EXPECT_THAT(BadFields(control.ListAudit(admin, audit).status()),
              ElementsAre("start_time", "end_time"));
  absl::StatusOr<v1::CreateAccessTokenResponse> issued =
      control.CreateToken(admin, create);
  ASSERT_TRUE(issued.ok()) << issued.status();

  tokens.Arm();
  absl::StatusOr<v1::Principal> during = absl::UnknownError("not run");
  std::thread verify([&] { during = control.AuthenticateBearer(issued->secret()); });
  tokens.WaitUntilPaused();  // it has read the token, not yet revoked
  v1::RevokeAccessTokenRequest revoke;
  revoke.set_name(issued->access_token().name());
  ASSERT_TRUE(control.RevokeToken(admin, revoke).ok());
  tokens.Release();
  verify.join();
  EXPECT_TRUE(during.ok());  // it started before the revocation
  const absl::Status after = control.AuthenticateBearer(issued->secret()).status();
  EXPECT_TRUE(absl::IsUnauthenticated(after)) << after;
}

// Introspection (how the matching service checks its callers' tokens) reads
// the token, not this registry's cache: the asking service caches the
// answer itself, so a revocation on another replica reaches it within one
// cache time, not two.
TEST(AccessControlRevocationTest, IntrospectionIsNotAnsweredFromTheCache) {
  MemoryAccessStore tokens;
  MemoryStore store;
  ASSERT_TRUE(AddOrganisationA(store).ok());
  AccessControl replica_a(&tokens, &store, AccessControlOptions{});
  AccessControl replica_b(&tokens, &store, AccessControlOptions{});
  const v1::Principal admin = Admin();
  absl::StatusOr<v1::CreateAccessTokenResponse> issued =
      replica_a.CreateToken(admin, ReaderTokenOfA(absl::Hours(1)));
  ASSERT_TRUE(issued.ok()) << issued.status();
  ASSERT_TRUE(replica_a.AuthenticateBearer(issued->secret()).ok());  // cached on A
  v1::RevokeAccessTokenRequest revoke;
  revoke.set_name(issued->access_token().name());
  ASSERT_TRUE(replica_b.RevokeToken(admin, revoke).ok());
  // A's own callers: from its cache, for up to --token_cache_ttl.
  EXPECT_TRUE(replica_a.AuthenticateBearer(issued->secret()).ok());
  v1::IntrospectAccessTokenRequest introspect;
  introspect.set_secret(issued->secret());
  const absl::Status s = replica_a.Introspect(admin, introspect).status();
  EXPECT_TRUE(absl::IsUnauthenticated(s)) << s;
  EXPECT_THAT(std::string(s.message()), testing::HasSubstr("revoked"));
}

// An access store that counts its token reads.
class CountingAccessStore : public MemoryAccessStore {
 public:
  absl::StatusOr<StoredToken> GetToken(const std::string& id) override {
    ++reads;
    return MemoryAccessStore::GetToken(id);
  }
  int reads = 0;
};

// A flood of made-up tokens (100,000 and more, well-formed or not) does not
// push a verified token out of the cache: it is not read again within its
// cache time. Strings that are not tokens at all cost no read, are refused
// even by CachedBearer, and are not kept.
TEST(AccessControlCacheTest, MadeUpTokensDoNotPushOutVerifiedOnes) {
  CountingAccessStore tokens;
  MemoryStore store;
  ASSERT_TRUE(AddOrganisationA(store).ok());
  AccessControlOptions options;
  options.cache_ttl = absl::Hours(1);
  AccessControl control(&tokens, &store, options);
  const v1::Principal admin = Admin();
  const v1::CreateAccessTokenRequest create = ReaderTokenOfA(absl::Hours(2));
  absl::StatusOr<v1::CreateAccessTokenResponse> issued =
      control.CreateToken(admin, create);
  ASSERT_TRUE(issued.ok()) << issued.status();

  ASSERT_TRUE(control.AuthenticateBearer(issued->secret()).ok());
  EXPECT_EQ(tokens.reads, 1);
  for (int i = 0; i < 100001; ++i) {
    const std::string made_up = absl::StrCat("sst.", i, ".", std::string(40, 'x'));
    ASSERT_TRUE(absl::IsUnauthenticated(control.AuthenticateBearer(made_up).status()));
  }
  EXPECT_EQ(tokens.reads, 1 + 100001);
  for (int i = 0; i < 100001; ++i) {
    ASSERT_TRUE(absl::IsUnauthenticated(
        control.AuthenticateBearer(absl::StrCat("junk-", i)).status()));
  }
  EXPECT_EQ(tokens.reads, 1 + 100001);
  // Refused on the spot, also where only answers without a read are taken.
  std::optional<absl::StatusOr<v1::Principal>> at_once = control.CachedBearer("junk-7");
  ASSERT_TRUE(at_once.has_value());
  EXPECT_TRUE(absl::IsUnauthenticated(at_once->status()));
  absl::StatusOr<v1::Principal> again = control.AuthenticateBearer(issued->secret());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->organisation(), "organisations/a");
  EXPECT_EQ(tokens.reads, 1 + 100001);  // from the cache
}

}  // namespace
}  // namespace samenspel::registry
