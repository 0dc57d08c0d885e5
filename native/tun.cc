#include "tun.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "netns.h"
#include "spec.h"

namespace vnic {
namespace {

// The kernel's bound on queues per device (MAX_TAP_QUEUES).
constexpr uint32_t kMaxQueues = 256;

// An fd closed when it goes out of scope, unless released.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = other.Release();
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// What to open, read from the spec on the JS thread.
struct TunRequest {
  int ns_fd = -1;         // the namespace to open in; -1: ours
  std::string name;       // 1–15 bytes
  short flags = 0;        // IFF_TUN / IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE
  bool exclusive = true;  // create (IFF_TUN_EXCL: fail if it exists) or attach to an existing one
  uint32_t queues = 1;
  std::optional<uint32_t> user, group;
  std::optional<bool> persist;
  bool keep_fds = false;  // hand the queue fds to the caller, or close them
};

// Opens the queues and applies owner, group and persist, in that order: a
// failure before TUNSETPERSIST closes every fd, which removes a device made
// here. Runs on the thread that is in the target namespace.
int OpenQueues(const TunRequest& request, std::string* name, std::vector<UniqueFd>* fds, std::string* step) {
  for (uint32_t i = 0; i < request.queues; i++) {
    *step = "open /dev/net/tun";
    UniqueFd fd(open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    if (fd.get() < 0) return errno;
    ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, request.name.data(), std::min(request.name.size(), sizeof ifr.ifr_name - 1));
    ifr.ifr_flags = request.flags;
    if (i == 0 && request.exclusive) ifr.ifr_flags |= IFF_TUN_EXCL;
    *step = i == 0 ? "TUNSETIFF" : "TUNSETIFF (queue " + std::to_string(i) + ")";
    if (ioctl(fd.get(), TUNSETIFF, &ifr) != 0) return errno;
    if (i == 0) *name = std::string(ifr.ifr_name, strnlen(ifr.ifr_name, sizeof ifr.ifr_name));
    fds->push_back(std::move(fd));
  }
  int first = (*fds)[0].get();
  if (request.user) {
    *step = "TUNSETOWNER";
    if (ioctl(first, TUNSETOWNER, static_cast<unsigned long>(*request.user)) != 0) return errno;
  }
  if (request.group) {
    *step = "TUNSETGROUP";
    if (ioctl(first, TUNSETGROUP, static_cast<unsigned long>(*request.group)) != 0) return errno;
  }
  if (request.persist) {
    *step = "TUNSETPERSIST";
    if (ioctl(first, TUNSETPERSIST, static_cast<unsigned long>(*request.persist ? 1 : 0)) != 0) return errno;
  }
  return 0;
}

class TunWorker : public Napi::AsyncWorker {
 public:
  TunWorker(Napi::Env env, TunRequest request)
      : Napi::AsyncWorker(env, "vnic:tun"), deferred_(Napi::Promise::Deferred::New(env)),
        request_(std::move(request)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    auto run = [&] { error_ = OpenQueues(request_, &name_, &fds_, &step_); };
    if (request_.ns_fd < 0) {
      run();
    } else if (int join_error = RunInNetns(request_.ns_fd, run)) {
      error_ = join_error;
      step_ = "join the namespace";
    }
    if (error_ != 0 || !request_.keep_fds) fds_.clear();  // closes them
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (error_ != 0) {
      Napi::Error e = Napi::Error::New(env, step_ + ": " + strerror(error_));
      e.Set("errno", Napi::Number::New(env, error_));
      e.Set("step", Napi::String::New(env, step_));
      deferred_.Reject(e.Value());
      return;
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("name", name_);
    Napi::Array fds = Napi::Array::New(env, fds_.size());
    for (uint32_t i = 0; i < fds_.size(); i++) fds.Set(i, Napi::Number::New(env, fds_[i].Release()));
    out.Set("fds", fds);
    deferred_.Resolve(out);
  }

 private:
  Napi::Promise::Deferred deferred_;
  TunRequest request_;
  int error_ = 0;
  std::string step_;
  std::string name_;
  std::vector<UniqueFd> fds_;
};

// tunOpen(nsFd, { name, tap, pi, vnetHdr, multiQueue, exclusive, queues,
//                 user?, group?, persist?, keepFds }): Promise<{ name, fds }>
// nsFd < 0: the caller's namespace. lib/ has validated the spec; here only
// the N-API boundary and the bounds are checked.
Napi::Value TunOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsObject()) {
    Napi::TypeError::New(env, "vnic: tunOpen(nsFd, spec)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  SpecReader spec(env, info[1].As<Napi::Object>());
  TunRequest request;
  request.ns_fd = info[0].As<Napi::Number>().Int32Value();
  auto name = spec.String("name");
  if (spec.ok() && (!name || name->empty() || name->size() >= IFNAMSIZ)) spec.Fail("name", "1 to 15 bytes");
  request.name = name.value_or("");
  request.flags = static_cast<short>(spec.Bool("tap").value_or(false) ? IFF_TAP : IFF_TUN);
  if (!spec.Bool("pi").value_or(false)) request.flags |= IFF_NO_PI;
  if (spec.Bool("vnetHdr").value_or(false)) request.flags |= IFF_VNET_HDR;
  if (spec.Bool("multiQueue").value_or(false)) request.flags |= IFF_MULTI_QUEUE;
  request.exclusive = spec.Bool("exclusive").value_or(true);
  request.queues = spec.U32("queues").value_or(1);
  if (spec.ok() && (request.queues < 1 || request.queues > kMaxQueues)) spec.Fail("queues", "1 to 256");
  if (spec.ok() && request.queues > 1 && !(request.flags & IFF_MULTI_QUEUE)) {
    spec.Fail("queues", "1 unless multiQueue is set");
  }
  request.user = spec.U32("user");
  request.group = spec.U32("group");
  request.persist = spec.Bool("persist");
  request.keep_fds = spec.Bool("keepFds").value_or(false);
  if (!spec.ok()) return env.Undefined();
  auto* worker = new TunWorker(env, std::move(request));
  worker->Queue();
  return worker->Promise();
}

}  // namespace

void InitTun(Napi::Env env, Napi::Object exports) {
  exports.Set("tunOpen", Napi::Function::New(env, TunOpen, "tunOpen"));
}

}  // namespace vnic
