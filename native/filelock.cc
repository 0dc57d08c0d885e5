// flock(2) for lib/: the CNI IPAM store shares its `lock` file with the
// reference host-local plugin, which takes an exclusive flock on it. Node has
// no flock, and a blocking one must not stall the event loop: it waits on a
// libuv worker thread (flockTry first takes a free lock at once).
#include "filelock.h"

#include <sys/file.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace vnic {
namespace {

class FlockWorker : public Napi::AsyncWorker {
 public:
  FlockWorker(Napi::Env env, int fd, int operation)
      : Napi::AsyncWorker(env, "vnic:flock"), deferred_(Napi::Promise::Deferred::New(env)),
        fd_(fd), operation_(operation) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    while (flock(fd_, operation_) != 0) {
      if (errno != EINTR) {
        error_ = errno;
        return;
      }
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (error_ == 0) return deferred_.Resolve(env.Undefined());
    Napi::Error e = Napi::Error::New(env, std::string("flock: ") + strerror(error_));
    e.Set("errno", Napi::Number::New(env, error_));
    e.Set("step", Napi::String::New(env, "flock"));
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  int fd_;
  int operation_;
  int error_ = 0;
};

// Reads (fd, mode) for flock / flockTry: the LOCK_* operation, or -1 with a
// TypeError pending. `unlock` is only a mode of the waiting flock.
int LockOperation(const Napi::CallbackInfo& info, const char* name, bool unlock_allowed) {
  Napi::Env env = info.Env();
  std::string modes = unlock_allowed ? "'exclusive', 'shared' or 'unlock'" : "'exclusive' or 'shared'";
  if (!info[0].IsNumber() || !info[1].IsString()) {
    Napi::TypeError::New(env, std::string("vnic: ") + name + "(fd, mode): mode " + modes).ThrowAsJavaScriptException();
    return -1;
  }
  std::string mode = info[1].As<Napi::String>().Utf8Value();
  int operation = mode == "exclusive" ? LOCK_EX : mode == "shared" ? LOCK_SH
                  : mode == "unlock" && unlock_allowed ? LOCK_UN : -1;
  if (operation < 0) {
    Napi::TypeError::New(env, std::string("vnic: ") + name + " mode must be " + modes).ThrowAsJavaScriptException();
  }
  return operation;
}

// flock(fd, 'exclusive' | 'shared' | 'unlock'): Promise<void>. The caller owns
// the fd and keeps it open until the promise settles; closing it unlocks too.
Napi::Value Flock(const Napi::CallbackInfo& info) {
  int operation = LockOperation(info, "flock", true);
  if (operation < 0) return info.Env().Undefined();
  auto* worker = new FlockWorker(info.Env(), info[0].As<Napi::Number>().Int32Value(), operation);
  worker->Queue();
  return worker->Promise();
}

// flockTry(fd, 'exclusive' | 'shared'): boolean, at once: true when the lock
// is taken, false when another holds it (then flock() waits for it on a
// worker). Uncontended, the common case, this saves the trip to a worker.
Napi::Value FlockTry(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int operation = LockOperation(info, "flockTry", false);
  if (operation < 0) return env.Undefined();
  int fd = info[0].As<Napi::Number>().Int32Value();
  while (flock(fd, operation | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return Napi::Boolean::New(env, false);
    int error = errno;
    Napi::Error e = Napi::Error::New(env, std::string("flock: ") + strerror(error));
    e.Set("errno", Napi::Number::New(env, error));
    e.Set("step", Napi::String::New(env, "flock"));
    e.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::Boolean::New(env, true);
}

}  // namespace

void InitFileLock(Napi::Env env, Napi::Object exports) {
  exports.Set("flock", Napi::Function::New(env, Flock, "flock"));
  exports.Set("flockTry", Napi::Function::New(env, FlockTry, "flockTry"));
}

}  // namespace vnic
