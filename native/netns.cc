#include "netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

int OpenSocketIn(int ns_fd, int domain, int type, int protocol) {
  int fd = -1;
  int error = 0;
  auto open_socket = [&] {
    fd = socket(domain, type | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
    if (fd < 0) error = errno;
  };
  if (ns_fd < 0) {
    open_socket();
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

}  // namespace

void InitNetns(Napi::Env env, Napi::Object exports) {
  exports.Set("netnsAdd", Napi::Function::New(env, NetnsAdd, "netnsAdd"));
  exports.Set("netnsDel", Napi::Function::New(env, NetnsDel, "netnsDel"));
}

}  // namespace vnic
