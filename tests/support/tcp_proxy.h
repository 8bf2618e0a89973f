// A loopback TCP forwarder for fault tests: clients connect to port() and
// each connection is relayed to a target. Partition() makes every connection
// open at that moment go silent in both directions, like a lost host or a
// network partition (its sockets stay open, nothing reaches either side);
// connections made afterwards relay normally.
//
// Example:
//   auto proxy = TcpProxy::Start(registry->port());
//   matching = ServiceProcess::Start(..., {"--registry=127.0.0.1:" + port});
//   (*proxy)->Partition();  // the follower's stream hears nothing any more
#ifndef SAMENSPEL_TESTS_SUPPORT_TCP_PROXY_H_
#define SAMENSPEL_TESTS_SUPPORT_TCP_PROXY_H_

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace samenspel::test_support {

class TcpProxy {
 public:
  // Listens on a free 127.0.0.1 port and relays to 127.0.0.1:target_port.
  static absl::StatusOr<std::unique_ptr<TcpProxy>> Start(int target_port);
  ~TcpProxy();  // closes every socket and joins the threads
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  // Connections open now relay nothing from now on (and are not closed).
  void Partition();
  // Connections accepted so far.
  int connections() const { return accepted_.load(); }

 private:
  TcpProxy(int listen_fd, int port, int target_port);
  void AcceptLoop();
  // Relays between `a` and `b` until either closes, the proxy stops, or the
  // connection's generation is partitioned (then it only waits).
  void Relay(int a, int b, int generation);

  const int listen_fd_;
  const int port_;
  const int target_port_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> generation_{0};  // connections older than this are silent
  std::atomic<int> accepted_{0};
  absl::Mutex mu_;
  std::vector<int> fds_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
  std::thread acceptor_;
};

}  // namespace samenspel::test_support

#endif  // SAMENSPEL_TESTS_SUPPORT_TCP_PROXY_H_
