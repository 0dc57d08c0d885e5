#include "netns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace vnic {

int RunInNetns(int ns_fd, const std::function<void()>& fn) {
  int error = 0;
  std::thread thread([&] {
    if (setns(ns_fd, CLONE_NEWNET) != 0) {
      error = errno;
      return;
    }
    fn();
  });
  thread.join();
  return error;
}

namespace {

// Moves the calling thread into the namespace behind ns_fd, for a moment:
// returns an fd on the thread's own namespace for ReturnHome, -errno when
// setns into ns_fd failed, or -EAGAIN when the way back is not certain (then
// nothing changed, and the caller uses a thread of its own). Cheaper than a
// thread: no stack to map and unmap, no wakeups across CPUs.
int EnterNetns(int ns_fd) {
  int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) return -EAGAIN;
  // Joining the namespace it is in checks the same rights as coming back will.
  if (setns(home, CLONE_NEWNET) != 0) {
    close(home);
    return -EAGAIN;
  }
  if (setns(ns_fd, CLONE_NEWNET) != 0) {
    int error = errno;
    close(home);
    return -error;
  }
  return home;
}

// Back to where EnterNetns found the thread. A thread left in another
// namespace would open every later socket there: past a transient failure
// (ENOMEM), the process stops rather than carry on.
void ReturnHome(int home) {
  for (int attempt = 0; setns(home, CLONE_NEWNET) != 0; attempt++) {
    if (attempt >= 100) {
      fprintf(stderr, "vnic: cannot return to the original network namespace: %s\n", strerror(errno));
      abort();
    }
    usleep(1000);
  }
  close(home);
}

}  // namespace

int OpenSocketIn(int ns_fd, int domain, int type, int protocol) {
  int fd = -1;
  int error = 0;
  auto open_socket = [&] {
    fd = socket(domain, type | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
    if (fd < 0) error = errno;
  };
  if (ns_fd < 0) {
    open_socket();
  } else if (int home = EnterNetns(ns_fd); home >= 0) {
    open_socket();
    ReturnHome(home);
  } else if (home != -EAGAIN) {
    return home;
  } else {
    int join_error = RunInNetns(ns_fd, open_socket);
    if (join_error != 0) return -join_error;
  }
  return fd >= 0 ? fd : -error;
}

namespace {

// Makes `dir` a shared mount point, as `ip netns add` does, so that a
// namespace bind-mounted there is seen from every mount namespace.
int MakeSharedMountPoint(const std::string& dir) {
  bool bound = false;
  while (mount("", dir.c_str(), "none", MS_SHARED | MS_REC, nullptr) != 0) {
    if (errno != EINVAL || bound) return errno;
    if (mount(dir.c_str(), dir.c_str(), "none", MS_BIND | MS_REC, nullptr) != 0) return errno;
    bound = true;
  }
  return 0;
}

// `ip netns add`: a new namespace, pinned by a bind mount at dir/name.
int AddNamedNetns(const std::string& dir, const std::string& name, std::string* step) {
  *step = "mkdir " + dir;
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return errno;
  *step = "make " + dir + " a shared mount point";
  if (int error = MakeSharedMountPoint(dir)) return error;
  std::string path = dir + "/" + name;
  *step = "create " + path;
  int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0) return errno;
  close(fd);
  int error = 0;
  *step = "unshare(CLONE_NEWNET)";
  // The new namespace belongs to a thread that ends right after pinning it.
  std::thread thread([&] {
    if (unshare(CLONE_NEWNET) != 0) {
      error = errno;
      return;
    }
    if (mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) {
      error = errno;
      *step = "bind mount the namespace at " + path;
    }
  });
  thread.join();
  if (error != 0) unlink(path.c_str());
  return error;
}

// `ip netns del`: unpin; the kernel frees the namespace once nothing holds it.
int DeleteNamedNetns(const std::string& path, std::string* step) {
  *step = "unmount " + path;
  if (umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) return errno;
  *step = "remove " + path;
  if (unlink(path.c_str()) != 0) return errno;
  return 0;
}

class NetnsWorker : public Napi::AsyncWorker {
 public:
  using Job = std::function<int(std::string* step)>;
  NetnsWorker(Napi::Env env, Job job)
      : Napi::AsyncWorker(env, "vnic:netns"), deferred_(Napi::Promise::Deferred::New(env)),
        job_(std::move(job)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { error_ = job_(&step_); }
  void OnOK() override {
    Napi::Env env = Env();
    if (error_ == 0) return deferred_.Resolve(env.Undefined());
    Napi::Error e = Napi::Error::New(env, step_ + ": " + strerror(error_));
    e.Set("errno", Napi::Number::New(env, error_));
    e.Set("step", Napi::String::New(env, step_));
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Job job_;
  int error_ = 0;
  std::string step_;
};

bool StringArgs(const Napi::CallbackInfo& info, size_t count) {
  for (size_t i = 0; i < count; i++) {
    if (!info[i].IsString()) {
      Napi::TypeError::New(info.Env(), "vnic: expected string arguments").ThrowAsJavaScriptException();
      return false;
    }
  }
  return true;
}

// netnsAdd(dir, name): Promise<void>
Napi::Value NetnsAdd(const Napi::CallbackInfo& info) {
  if (!StringArgs(info, 2)) return info.Env().Undefined();
  std::string dir = info[0].As<Napi::String>().Utf8Value();
  std::string name = info[1].As<Napi::String>().Utf8Value();
  auto* worker = new NetnsWorker(info.Env(), [dir, name](std::string* step) {
    return AddNamedNetns(dir, name, step);
  });
  worker->Queue();
  return worker->Promise();
}

// netnsDel(path): Promise<void>
Napi::Value NetnsDel(const Napi::CallbackInfo& info) {
  if (!StringArgs(info, 1)) return info.Env().Undefined();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  auto* worker = new NetnsWorker(info.Env(), [path](std::string* step) {
    return DeleteNamedNetns(path, step);
  });
  worker->Queue();
  return worker->Promise();
}

// socketIn(nsFd, family 4 | 6, 'tcp' | 'udp', address?, port?, backlog?): fd
// A TCP or UDP socket that lives in the namespace behind nsFd, bound when an
// address is given and listening when a backlog is: Node wraps the fd.
Napi::Value SocketIn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsString()) {
    Napi::TypeError::New(env, "vnic: socketIn(nsFd, family, type, address?, port?, backlog?)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int ns_fd = info[0].As<Napi::Number>().Int32Value();
  int family = info[1].As<Napi::Number>().Int32Value() == 6 ? AF_INET6 : AF_INET;
  bool tcp = info[2].As<Napi::String>().Utf8Value() == "tcp";
  int fd = OpenSocketIn(ns_fd, family, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
  auto fail = [&](const char* step, int error) {
    if (fd >= 0) close(fd);
    Napi::Error e = Napi::Error::New(env, std::string(step) + ": " + strerror(error));
    e.Set("errno", Napi::Number::New(env, error));
    e.Set("step", Napi::String::New(env, step));
    e.ThrowAsJavaScriptException();
    return env.Undefined();
  };
  if (fd < 0) {
    int error = -fd;
    fd = -1;
    return fail("socket in namespace", error);
  }
  if (info[3].IsString()) {
    std::string address = info[3].As<Napi::String>().Utf8Value();
    uint16_t port = info[4].IsNumber() ? static_cast<uint16_t>(info[4].As<Napi::Number>().Uint32Value()) : 0;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage storage{};
    socklen_t length;
    if (family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(&storage);
      in->sin_family = AF_INET;
      in->sin_port = htons(port);
      if (inet_pton(AF_INET, address.c_str(), &in->sin_addr) != 1) return fail("parse address", EINVAL);
      length = sizeof *in;
    } else {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(port);
      if (inet_pton(AF_INET6, address.c_str(), &in6->sin6_addr) != 1) return fail("parse address", EINVAL);
      length = sizeof *in6;
    }
    if (bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) return fail("bind", errno);
  }
  if (tcp && info[5].IsNumber()) {
    if (listen(fd, info[5].As<Napi::Number>().Int32Value()) != 0) return fail("listen", errno);
  }
  return Napi::Number::New(env, fd);
}

// sysctlWrite(nsFd, path under /proc/sys, value): Promise<void>. /proc/sys/net
// shows the namespace of whoever opens it: a thread in the namespace does.
Napi::Value SysctlWrite(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber() || !info[1].IsString() || !info[2].IsString()) {
    Napi::TypeError::New(info.Env(), "vnic: sysctlWrite(nsFd, path, value)").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  int ns_fd = info[0].As<Napi::Number>().Int32Value();
  std::string path = "/proc/sys/" + info[1].As<Napi::String>().Utf8Value();
  std::string value = info[2].As<Napi::String>().Utf8Value();
  auto* worker = new NetnsWorker(info.Env(), [ns_fd, path, value](std::string* step) {
    int error = 0;
    *step = "write " + path;
    int join_error = RunInNetns(ns_fd, [&] {
      int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) {
        error = errno;
        return;
      }
      if (write(fd, value.data(), value.size()) < 0) error = errno;
      close(fd);
    });
    if (join_error != 0) *step = "join the namespace";
    return join_error != 0 ? join_error : error;
  });
  worker->Queue();
  return worker->Promise();
}

}  // namespace

void InitNetns(Napi::Env env, Napi::Object exports) {
  exports.Set("netnsAdd", Napi::Function::New(env, NetnsAdd, "netnsAdd"));
  exports.Set("netnsDel", Napi::Function::New(env, NetnsDel, "netnsDel"));
  exports.Set("socketIn", Napi::Function::New(env, SocketIn, "socketIn"));
  exports.Set("sysctlWrite", Napi::Function::New(env, SysctlWrite, "sysctlWrite"));
}

}  // namespace vnic
