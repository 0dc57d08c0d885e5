#include "socket.h"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "message.h"
#include "netns.h"
#include "link.h"
#include "reader.h"
#include "registry.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

namespace vnic {
namespace {

constexpr size_t kWindow = 256;              // requests sent and not yet answered
constexpr size_t kMaxBatchBytes = 64 * 1024;  // one sendmsg (the kernel caps at sk_sndbuf)
constexpr size_t kMaxRequestBytes = 64 * 1024;
constexpr size_t kRecvBufferBytes = 256 * 1024;
constexpr int kReceiveQueueBytes = 8 * 1024 * 1024;
// Replies handled per wakeup, then the loop breathes (each settles a promise
// and may decode a link): bounds the event-loop lag a burst of answers causes.
constexpr int kDatagramsPerWakeup = 16;
constexpr int kMonitorDatagramsPerWakeup = 1 << 16;
// Creates the kernel runs in one inline sendmsg (each ~0.2 ms of kernel work
// on this thread); a batch with more goes to a worker thread.
constexpr int kInlineCreates = 2;
// Requests sent inline per loop turn: the kernel answers them inside sendmsg
// (a get with counters ~8 µs), so 256 at once held the loop ~2 ms; the rest
// leave in the next turns.
constexpr size_t kInlinePerTurn = 64;
constexpr uint8_t kDumpRetries = 5;
// flush() answers at once, from inside the caller's tick, until such answers
// have chained for this long without the loop reaching its poll phase (a turn
// of the loop then lasts at most about this, plus one request): awaited
// requests then follow one another without a trip around the loop each, and
// the loop still turns (timers, I/O) at least once per budget.
constexpr uint64_t kAnswerNowBudgetNs = 500 * 1000;
// Only a flush that sent this few requests is answered at once (an awaited
// request sends one): a burst's answers come through the poll, 16 datagrams
// per wakeup, and the tick that made the burst does not also settle it.
constexpr uint64_t kAnswerNowRequests = 4;
// Datagrams flush() reads at once, at most (the rest wait for the poll).
constexpr int kAnswerNowDatagrams = 16;

// One scratch buffer for encoding: requests are built on the JS thread only.
std::vector<uint8_t>& Scratch() {
  static std::vector<uint8_t> buffer(kMaxRequestBytes);
  return buffer;
}

// What the engine needs to know about a request besides its bytes.
struct RequestTraits {
  bool slow = false;   // sent from a worker (MessageWriter::slow)
  bool heavy = false;  // sent from a worker when batched with others
  bool dump = false;
  bool name_links = false;  // a link dump that names parents and masters
};

// Encodes op(spec) into the scratch buffer; leaves a JS exception and returns
// nullptr on an unknown op, a bad spec or an oversized request.
const nlmsghdr* EncodeRequest(Napi::Env env, const Napi::Value& op_name, const Napi::Value& spec,
                              RequestTraits* traits) {
  if (!op_name.IsString() || !spec.IsObject()) {
    Napi::TypeError::New(env, "vnic: request(op: string, spec: object)").ThrowAsJavaScriptException();
    return nullptr;
  }
  std::string name = op_name.As<Napi::String>().Utf8Value();
  const OpDef* op = FindOp(name);
  if (op == nullptr) {
    Napi::TypeError::New(env, "vnic: unknown request '" + name + "'").ThrowAsJavaScriptException();
    return nullptr;
  }
  MessageWriter writer(Scratch(), op->type, NLM_F_REQUEST | op->flags);
  SpecReader reader(env, spec.As<Napi::Object>());
  op->encode(writer, reader);
  if (!reader.ok()) return nullptr;
  if (writer.overflowed()) {
    Napi::RangeError::New(env, "vnic: request too large for one netlink message (" + name + ")")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  traits->slow = writer.slow;
  traits->heavy = writer.heavy;
  traits->dump = (op->flags & NLM_F_DUMP) == NLM_F_DUMP;
  traits->name_links = writer.name_links;
  return writer.header();
}

// Every message of a buffer, decoded, as one array; with name_links, links
// named from `names` (a get's lookups) or, when null, from the buffer itself
// (a dump).
void DecodeAll(ValueWriter& out, const char* data, size_t len, bool name_links = false,
               const std::string* names = nullptr) {
  out.Reserve(out.stream().size() + len / 16);  // ~1 slot per 25 bytes of a link with counters
  if (name_links) {
    return names == nullptr ? DecodeLinksNamed(out, data, len, data, len)
                            : DecodeLinksNamed(out, data, len, names->data(), names->size());
  }
  out.BeginArray(nullptr);
  ForEachMessage(data, len, [&](const nlmsghdr* nlh) { DecodeMessage(out, nlh); });
  out.EndArray();
}

// A writer that held a dump gives its memory back instead of keeping it for
// the socket's lifetime.
void Recycle(ValueWriter& writer) {
  constexpr size_t kKeepDoubles = 64 * 1024;
  if (writer.stream().capacity() > kKeepDoubles) {
    writer = ValueWriter();
  } else {
    writer.Clear();
  }
}

void ThrowErrno(Napi::Env env, const char* what, int error) {
  Napi::Error e = Napi::Error::New(env, std::string("vnic: ") + what + ": " + strerror(error));
  e.Set("errno", Napi::Number::New(env, error));
  e.ThrowAsJavaScriptException();
}

}  // namespace

struct NetlinkSocket::SendWork {
  uv_work_t req;
  NetlinkSocket* self;
  int fd;
  std::string batch;
  std::vector<uint32_t> seqs;
  int error = 0;
};

Napi::Function NetlinkSocket::Init(Napi::Env env) {
  return DefineClass(env, "NetlinkSocket",
                     {InstanceMethod("request", &NetlinkSocket::Request),
                      InstanceMethod("flush", &NetlinkSocket::FlushNow),
                      InstanceMethod("close", &NetlinkSocket::Close),
                      InstanceMethod("pendingCount", &NetlinkSocket::PendingCount),
                      InstanceMethod("stats", &NetlinkSocket::Stats),
                      StaticMethod("encode", &NetlinkSocket::Encode),
                      StaticMethod("decode", &NetlinkSocket::Decode)});
}

NetlinkSocket::NetlinkSocket(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<NetlinkSocket>(info), recv_buf_(kRecvBufferBytes) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) {
    Napi::TypeError::New(env, "vnic: NetlinkSocket(onComplete, nsFd?)").ThrowAsJavaScriptException();
    return;
  }
  on_complete_ = Napi::Persistent(info[0].As<Napi::Function>());
  int ns_fd = info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : -1;
  Napi::Object options = info[2].IsObject() ? info[2].As<Napi::Object>() : Napi::Object::New(env);
  std::vector<uint32_t> groups;
  if (options.Get("groups").IsArray()) {
    auto list = options.Get("groups").As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) {
      if (list.Get(i).IsNumber()) groups.push_back(list.Get(i).As<Napi::Number>().Uint32Value());
    }
  }
  if (options.Get("onEvent").IsFunction()) {
    on_event_ = Napi::Persistent(options.Get("onEvent").As<Napi::Function>());
  }
  int receive_buffer = options.Get("receiveBuffer").IsNumber()
                           ? options.Get("receiveBuffer").As<Napi::Number>().Int32Value()
                           : kReceiveQueueBytes;

  int fd = OpenSocketIn(ns_fd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  if (fd < 0) {
    ThrowErrno(env, ns_fd >= 0 ? "socket in namespace" : "socket", -fd);
    return;
  }
  nl_ = mnl_socket_fdopen(fd);
  if (nl_ == nullptr) {
    int error = errno;
    close(fd);
    ThrowErrno(env, "mnl_socket_fdopen", error);
    return;
  }
  fd_ = fd;
  if (mnl_socket_bind(nl_, 0, MNL_SOCKET_AUTOPID) < 0) {
    int error = errno;
    Shutdown();
    ThrowErrno(env, "bind", error);
    return;
  }
  portid_ = mnl_socket_get_portid(nl_);
  int one = 1;
  // Kernel error strings and offending attributes; acks without the request
  // echoed back; dumps filtered by the header's fields.
  setsockopt(fd_, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  setsockopt(fd_, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  setsockopt(fd_, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one);
  int queue = receive_buffer;
  if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &queue, sizeof queue) != 0) {
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &queue, sizeof queue);  // capped by rmem_max
  }
  for (uint32_t group : groups) {
    if (setsockopt(fd_, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0) {
      int error = errno;
      Shutdown();
      ThrowErrno(env, "join multicast group", error);
      return;
    }
  }

  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  poll_ = new uv_poll_t;
  idle_ = new uv_idle_t;
  prepare_ = new uv_prepare_t;
  uv_poll_init(loop, poll_, fd_);
  uv_idle_init(loop, idle_);
  uv_prepare_init(loop, prepare_);
  poll_->data = this;
  idle_->data = this;
  prepare_->data = this;
  StartPolling();
  // Idle handles unref'd: the loop stays alive only while requests are pending.
  uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  uv_unref(reinterpret_cast<uv_handle_t*>(idle_));
  uv_unref(reinterpret_cast<uv_handle_t*>(prepare_));
  UpdateLiveness();  // a monitor holds the loop from the start
}

NetlinkSocket::~NetlinkSocket() { Shutdown(); }

void NetlinkSocket::StartPolling() {
  uv_poll_start(poll_, UV_READABLE, [](uv_poll_t* handle, int status, int) {
    auto* self = static_cast<NetlinkSocket*>(handle->data);
    if (self == nullptr) return;
    self->OnReadable();
    // A pending socket error (ENOBUFS: the kernel dropped messages for us)
    // shows as POLLERR, on which libuv stops the handle: the error has been
    // read by now, so listen again.
    if (status < 0 && !self->closed_) self->StartPolling();
  });
}

void NetlinkSocket::Shutdown() {
  if (closed_) return;
  closed_ = true;
  for (uv_handle_t* handle : {reinterpret_cast<uv_handle_t*>(poll_), reinterpret_cast<uv_handle_t*>(idle_),
                              reinterpret_cast<uv_handle_t*>(prepare_)}) {
    if (handle == nullptr) continue;
    handle->data = nullptr;
    uv_close(handle, [](uv_handle_t* h) {
      if (h->type == UV_POLL) delete reinterpret_cast<uv_poll_t*>(h);
      else if (h->type == UV_IDLE) delete reinterpret_cast<uv_idle_t*>(h);
      else delete reinterpret_cast<uv_prepare_t*>(h);
    });
  }
  poll_ = nullptr;
  idle_ = nullptr;
  prepare_ = nullptr;
  pending_.clear();
  outbox_.clear();
  in_flight_ = 0;
  // The callbacks hold the JS side, which holds us: let both be collected.
  on_complete_.Reset();
  on_event_.Reset();
  std::vector<char>().swap(recv_buf_);
  std::string().swap(event_bytes_);
  // A worker still sending on the fd closes it when it returns.
  if (!worker_busy_ && nl_ != nullptr) mnl_socket_close(nl_);
  if (!worker_busy_) nl_ = nullptr;
  if (referenced_) {
    referenced_ = false;
    Unref();
  }
}

Napi::Value NetlinkSocket::Close(const Napi::CallbackInfo& info) {
  Shutdown();
  return info.Env().Undefined();
}

Napi::Value NetlinkSocket::PendingCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(pending_.size()));
}

Napi::Value NetlinkSocket::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object stats = Napi::Object::New(env);
  stats.Set("dumpRetries", static_cast<double>(dump_retries_));
  stats.Set("dumpsGivenUp", static_cast<double>(dumps_given_up_));
  stats.Set("overruns", static_cast<double>(overruns_));
  stats.Set("barriers", static_cast<double>(barriers_));
  stats.Set("repliesLost", static_cast<double>(replies_lost_));
  return stats;
}

Napi::Value NetlinkSocket::Request(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) {
    Napi::Error e = Napi::Error::New(env, "vnic: the handle is closed");
    e.Set("errno", Napi::Number::New(env, EBADF));
    e.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  RequestTraits traits;
  const nlmsghdr* nlh = EncodeRequest(env, info[0], info[1], &traits);
  if (nlh == nullptr) return env.Undefined();
  uint32_t seq = next_seq_++;
  if (next_seq_ == 0) next_seq_ = 1;  // 0 is what the kernel's notifications carry
  Pending& pending = pending_[seq];
  pending.request.assign(reinterpret_cast<const char*>(nlh), nlh->nlmsg_len);
  auto* header = reinterpret_cast<nlmsghdr*>(pending.request.data());
  header->nlmsg_seq = seq;
  header->nlmsg_pid = 0;
  pending.dump = traits.dump;
  pending.slow = traits.slow;
  pending.heavy = traits.heavy;
  pending.name_links = traits.name_links;
  outbox_.push_back(seq);
  ScheduleFlush();
  UpdateLiveness();
  return Napi::Number::New(env, seq);
}

// flush(): sends what request() queued in this tick now (lib/ calls it from a
// microtask, once the tick's requests are all queued: they still leave in one
// sendmsg), then returns the completions the kernel made inside that sendmsg
// (rtnetlink answers there, in our thread) as onComplete's batch, or
// undefined. Not for a monitor (notifications interleave with its replies),
// nor a batch a worker sends, nor a burst, nor past the chain's budget: those
// settle through the poll as before.
Napi::Value NetlinkSocket::FlushNow(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_ || outbox_.empty()) return env.Undefined();
  uint64_t sent_before = send_counter_;
  Flush();
  uint64_t sent = send_counter_ - sent_before;
  if (on_event_.IsEmpty() && !worker_busy_ && sent > 0 && sent <= kAnswerNowRequests && MayAnswerNow()) {
    ReadAnswers(kAnswerNowDatagrams);
  }
  UpdateLiveness();
  // Everything left and was answered: the idle flush request() scheduled has nothing to do.
  if (outbox_.empty() && !closed_) uv_idle_stop(idle_);
  if (completions_.empty() || closed_) return env.Undefined();
  ValueWriter& out = answer_writer_;
  WriteCompletions(out);
  Napi::Value batch = ToJs(env, out);
  Recycle(out);
  return batch;
}

// Whether flush() may answer now: the budget runs from the first answer at
// once after the loop last reached its poll phase (a prepare callback, which
// runs just before it, ends the chain).
bool NetlinkSocket::MayAnswerNow() {
  uint64_t now = uv_hrtime();
  if (chain_started_ == 0) {
    chain_started_ = now;
    uv_prepare_start(prepare_, [](uv_prepare_t* handle) {
      uv_prepare_stop(handle);
      auto* self = static_cast<NetlinkSocket*>(handle->data);
      if (self != nullptr) self->chain_started_ = 0;
    });
  }
  return now - chain_started_ < kAnswerNowBudgetNs;
}

void NetlinkSocket::ScheduleFlush() {
  if (closed_ || uv_is_active(reinterpret_cast<uv_handle_t*>(idle_))) return;
  // Flushed from the next idle phase, so every request made in this loop
  // iteration (microtasks included) leaves in the same sendmsg — unless lib/'s
  // microtask calls flush() first, as it does; then this sends what flush()
  // left (past kInlinePerTurn) or, finding nothing, stops.
  uv_idle_start(idle_, [](uv_idle_t* handle) {
    uv_idle_stop(handle);
    auto* self = static_cast<NetlinkSocket*>(handle->data);
    if (self == nullptr) return;
    Napi::HandleScope scope(self->Env());
    self->Flush();
    self->Dispatch();
  });
}

void NetlinkSocket::Flush() {
  std::string batch;
  std::vector<uint32_t> seqs;
  size_t inline_sent = 0;
  while (!closed_ && !worker_busy_ && !outbox_.empty()) {
    if (inline_sent >= kInlinePerTurn) {
      ScheduleFlush();  // the next turn sends more
      break;
    }
    batch.clear();
    seqs.clear();
    bool slow = false;
    int heavy = 0;
    while (!outbox_.empty() && in_flight_ < kWindow) {
      // A batch the worker sends may be long; one sent inline is not.
      if (!slow && inline_sent + seqs.size() >= kInlinePerTurn) break;
      auto it = pending_.find(outbox_.front());
      if (it == pending_.end()) {  // settled before it left (cannot happen today)
        outbox_.pop_front();
        continue;
      }
      Pending& pending = it->second;
      // The kernel runs one dump per socket at a time; later requests keep
      // their place behind a waiting dump.
      if (pending.dump && dump_in_flight_ != 0) break;
      if (!batch.empty() && batch.size() + pending.request.size() > kMaxBatchBytes) break;
      if (pending.dump) dump_in_flight_ = it->first;
      slow = slow || pending.slow;
      if (pending.heavy && ++heavy > kInlineCreates) slow = true;
      pending.sent_order = ++send_counter_;
      batch += pending.request;
      seqs.push_back(it->first);
      in_flight_++;
      outbox_.pop_front();
    }
    if (batch.empty()) break;
    if (!slow) inline_sent += seqs.size();
    if (!SendBatch(batch, seqs, slow)) break;
  }
}

// Sends inline, or from a worker thread when the batch holds a request the
// kernel answers slowly: rtnetlink does its work inside sendmsg, in the
// caller's thread, and the event loop must not wait on it.
bool NetlinkSocket::SendBatch(const std::string& batch, const std::vector<uint32_t>& seqs, bool slow) {
  if (!slow) {
    if (mnl_socket_sendto(nl_, batch.data(), batch.size()) < 0) {
      FailAll(seqs, errno, "sendmsg failed");
    }
    return true;
  }
  auto* work = new SendWork{};
  work->req.data = work;
  work->self = this;
  work->fd = fd_;
  work->batch = batch;
  work->seqs = seqs;
  worker_busy_ = true;
  Ref();  // stay alive until the worker is back
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(Env(), &loop);
  uv_queue_work(
      loop, &work->req,
      [](uv_work_t* req) {
        auto* w = static_cast<SendWork*>(req->data);
        sockaddr_nl kernel{};
        kernel.nl_family = AF_NETLINK;
        if (sendto(w->fd, w->batch.data(), w->batch.size(), 0,
                   reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
          w->error = errno;
        }
      },
      [](uv_work_t* req, int) {
        auto* w = static_cast<SendWork*>(req->data);
        w->self->OnSendDone(w);
      });
  return false;
}

void NetlinkSocket::OnSendDone(SendWork* work) {
  worker_busy_ = false;
  Napi::HandleScope scope(Env());
  if (closed_) {
    if (nl_ != nullptr) mnl_socket_close(nl_);
    nl_ = nullptr;
  } else {
    if (work->error != 0) FailAll(work->seqs, work->error, "sendmsg failed");
    // An overrun seen while the worker sent: drain, then send its barrier.
    if (overrun_seen_) OnReadable();
    Flush();
    Dispatch();
    UpdateLiveness();
  }
  delete work;
  Unref();
}

void NetlinkSocket::OnReadable() {
  Napi::HandleScope scope(Env());
  // A monitor drains its queue: the kernel reports drops (ENOBUFS) only once
  // per spell of congestion, which ends when the queue empties, so a resync
  // must not start while notifications still wait unread.
  ReadAnswers(on_event_.IsEmpty() ? kDatagramsPerWakeup : kMonitorDatagramsPerWakeup);
  Flush();
  Dispatch();
  DispatchEvents();
  UpdateLiveness();
}

// Reads up to `budget` datagrams; when they answered gets whose name lookups
// then started, sends those and reads their answers too: the kernel answered
// them inside sendmsg, so their gets settle now, not a wakeup later.
void NetlinkSocket::ReadAnswers(int budget) {
  lookups_started_ = false;
  int read = ReadAvailable(budget);
  if (!lookups_started_ || read >= budget) return;
  Flush();
  ReadAvailable(budget - read);
}

// Reads up to `budget` datagrams; returns how many it read. Once it finds the
// queue empty, a barrier after an overrun may go (HandleOverrun).
int NetlinkSocket::ReadAvailable(int budget) {
  int read = 0;
  while (read < budget && !closed_) {
    ssize_t n = recv(fd_, recv_buf_.data(), recv_buf_.size(), MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        // Notifications were dropped (a monitor's subscriber must resync),
        // or replies were (requests behind a barrier learn it, once the
        // queue is drained: see HandleOverrun).
        if (!on_event_.IsEmpty()) events_lost_ = true;
        overruns_++;
        overrun_seen_ = true;
        continue;
      }
      HandleOverrun();
      break;  // EAGAIN: drained
    }
    read++;
    size_t got = static_cast<size_t>(n);
    if (got > recv_buf_.size()) {
      // Larger than any reply seen so far: grow for the next one; this one's
      // header survived, so its request learns what happened.
      if (got >= sizeof(nlmsghdr)) {
        auto* nlh = reinterpret_cast<const nlmsghdr*>(recv_buf_.data());
        if (pending_.count(nlh->nlmsg_seq) != 0) {
          Completion c{nlh->nlmsg_seq, EMSGSIZE, {}, "reply larger than the receive buffer"};
          Complete(nlh->nlmsg_seq, std::move(c));
        }
      }
      recv_buf_.resize(got + 4096);
      continue;
    }
    ForEachMessage(recv_buf_.data(), got, [this](const nlmsghdr* nlh) { HandleMessage(nlh); });
    // Every request answered: nothing else can arrive on a request socket,
    // so skip the recv that would only say EAGAIN.
    if (in_flight_ == 0 && on_event_.IsEmpty()) {
      HandleOverrun();
      break;
    }
  }
  return read;
}

// A reply to one of our requests, as opposed to a notification: the kernel
// addresses replies to our port, and a monitor only sends dumps, whose parts
// are marked NLM_F_MULTI (a notification caused by another socket can carry
// any sequence number).
bool NetlinkSocket::IsReply(const nlmsghdr* nlh) const {
  if (nlh->nlmsg_seq == 0 || nlh->nlmsg_pid != portid_ || pending_.count(nlh->nlmsg_seq) == 0) return false;
  return on_event_.IsEmpty() || (nlh->nlmsg_flags & NLM_F_MULTI);
}

void NetlinkSocket::HandleMessage(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type == NLMSG_ERROR) return HandleError(nlh);
  if (nlh->nlmsg_type == NLMSG_DONE) return HandleDone(nlh);
  if (nlh->nlmsg_type < NLMSG_MIN_TYPE) return;  // NOOP, OVERRUN
  if (!IsReply(nlh)) {
    if (!on_event_.IsEmpty()) event_bytes_.append(reinterpret_cast<const char*>(nlh), nlh->nlmsg_len);
    return;  // a notification (kept for a monitor), or a request we gave up on
  }
  auto it = pending_.find(nlh->nlmsg_seq);
  it->second.replies.append(reinterpret_cast<const char*>(nlh), nlh->nlmsg_len);
  if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) it->second.interrupted = true;
}

// Reads an extended ack's attributes (message, offending attribute, missing
// attribute) that follow `tlv_offset` bytes of payload.
static void ReadExtack(const nlmsghdr* nlh, size_t tlv_offset, const std::string& request,
                       uint16_t request_type, std::string* message, std::string* attr,
                       int64_t* missing) {
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return;
  size_t payload_len = mnl_nlmsg_get_payload_len(nlh);
  if (tlv_offset > payload_len) return;
  AttrTable tlvs(static_cast<const uint8_t*>(mnl_nlmsg_get_payload(nlh)) + tlv_offset,
                 payload_len - tlv_offset, NLMSGERR_ATTR_MAX + 4);
  tlvs.Str(NLMSGERR_ATTR_MSG, message);
  uint32_t offset;
  if (tlvs.U32(NLMSGERR_ATTR_OFFS, &offset) && !request.empty()) {
    const auto* req = reinterpret_cast<const nlmsghdr*>(request.data());
    const MessageFamily* family = FindFamily(request_type);
    if (family != nullptr && offset < request.size()) *attr = family->describe_attr(req, offset);
  }
  uint32_t missing_type;
  if (tlvs.U32(5 /* NLMSGERR_ATTR_MISS_TYPE, Linux 6.0 */, &missing_type)) *missing = missing_type;
}

void NetlinkSocket::HandleError(const nlmsghdr* nlh) {
  if (mnl_nlmsg_get_payload_len(nlh) < sizeof(nlmsgerr)) return;
  const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
  uint32_t seq = nlh->nlmsg_seq;
  if (seq != 0 && seq == barrier_seq_) {
    // Everything sent before the barrier and still unanswered lost its reply.
    // Not dumps: the kernel holds a dump back while the queue is full, it
    // does not drop its parts.
    barrier_seq_ = 0;
    std::vector<uint32_t> lost;
    for (const auto& [pending_seq, pending] : pending_) {
      if (!pending.dump && pending.sent_order != 0 && pending.sent_order < barrier_order_) lost.push_back(pending_seq);
    }
    replies_lost_ += lost.size();
    FailAll(lost, ENOBUFS, "the reply was lost: the socket's receive queue overflowed; the request may have been applied");
    return;
  }
  auto it = pending_.find(seq);
  if (it == pending_.end() || seq == 0) return;
  Completion completion{seq, -err->error};
  if (completion.error != 0) {
    size_t tlv_offset = sizeof(nlmsgerr);
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) tlv_offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
    ReadExtack(nlh, tlv_offset, it->second.request, err->msg.nlmsg_type, &completion.message,
               &completion.attr, &completion.missing_attr);
  } else if (it->second.dump) {
    return;  // a dump ends with NLMSG_DONE, not an ack
  }
  Complete(seq, std::move(completion));
}

void NetlinkSocket::HandleDone(const nlmsghdr* nlh) {
  auto it = pending_.find(nlh->nlmsg_seq);
  if (it == pending_.end() || nlh->nlmsg_seq == 0) return;
  Pending& pending = it->second;
  if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) pending.interrupted = true;
  int32_t status = 0;
  if (mnl_nlmsg_get_payload_len(nlh) >= sizeof status) {
    std::memcpy(&status, mnl_nlmsg_get_payload(nlh), sizeof status);
  }
  Completion completion{nlh->nlmsg_seq, status < 0 ? -status : 0};
  if (completion.error != 0) {
    ReadExtack(nlh, sizeof status, pending.request, 0, &completion.message, &completion.attr,
               &completion.missing_attr);
  } else if (pending.interrupted) {
    // The table changed while the kernel walked it: ask again, a few times.
    if (pending.retries < kDumpRetries) {
      pending.retries++;
      dump_retries_++;
      pending.interrupted = false;
      pending.replies.clear();
      pending.sent_order = 0;
      in_flight_--;
      dump_in_flight_ = 0;
      outbox_.push_front(nlh->nlmsg_seq);
      return;
    }
    dumps_given_up_++;
    completion.error = EINTR;
    completion.summary = "dump interrupted: the table kept changing while it was read";
  }
  Complete(nlh->nlmsg_seq, std::move(completion));
}

// The kernel dropped messages for us (our receive queue was full). We cannot
// tell whose: send a barrier and fail whatever is still unanswered behind it.
// Called once the queue is drained, never before: until the queue has been
// emptied the kernel counts the socket as congested and drops further
// messages without reporting them again, and the barrier's own ack would be
// one of them — then nothing would ever settle what was lost. Not while a
// worker sends either: its batch, sent before the barrier, could reach the
// kernel after it (OnSendDone calls again). A barrier sent after another one
// replaces it (the earlier ack may have been dropped in a new overrun, which
// the kernel then reported): the latest covers everything sent before it.
void NetlinkSocket::HandleOverrun() {
  if (!overrun_seen_ || worker_busy_ || closed_) return;
  overrun_seen_ = false;
  if (in_flight_ == 0) return;
  barrier_seq_ = next_seq_++;
  if (next_seq_ == 0) next_seq_ = 1;
  barrier_order_ = ++send_counter_;
  nlmsghdr noop{};
  noop.nlmsg_len = sizeof noop;
  noop.nlmsg_type = NLMSG_NOOP;
  noop.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  noop.nlmsg_seq = barrier_seq_;
  barriers_++;
  mnl_socket_sendto(nl_, &noop, sizeof noop);
}

void NetlinkSocket::Complete(uint32_t seq, Completion completion) {
  auto it = pending_.find(seq);
  if (it == pending_.end()) return;
  if (it->second.sent_order != 0) {
    in_flight_--;
    it->second.sent_order = 0;
  }
  if (dump_in_flight_ == seq) dump_in_flight_ = 0;
  if (it->second.lookup_for != 0) return FinishLookup(seq, completion.error == 0);
  if (completion.error == 0 && it->second.name_links && !it->second.dump && StartLookups(seq)) return;
  if (completion.error == 0) {
    completion.replies = std::move(it->second.replies);
    completion.names = std::move(it->second.names);
  }
  completion.name_links = it->second.name_links;
  completion.dump = it->second.dump;
  pending_.erase(it);
  completions_.push_back(std::move(completion));
}

// A get that names its link's parent and master: look them up by index now,
// ahead of anything queued (the get has been answered), and hold the get
// until they answer. False when there is nothing to look up.
bool NetlinkSocket::StartLookups(uint32_t seq) {
  std::vector<uint32_t> wanted = LinksToName(pending_[seq].replies);
  if (wanted.empty()) return false;
  std::vector<uint32_t> lookups;
  for (uint32_t index : wanted) {
    uint32_t lookup = next_seq_++;
    if (next_seq_ == 0) next_seq_ = 1;
    Pending& pending = pending_[lookup];
    pending.request = EncodeNameLookup(index);
    auto* header = reinterpret_cast<nlmsghdr*>(pending.request.data());
    header->nlmsg_seq = lookup;
    pending.lookup_for = seq;
    lookups.push_back(lookup);
  }
  pending_[seq].lookups = static_cast<uint8_t>(lookups.size());
  for (auto it = lookups.rbegin(); it != lookups.rend(); ++it) outbox_.push_front(*it);
  lookups_started_ = true;
  ScheduleFlush();
  return true;
}

// A lookup answered (found) or failed (its link is not named, as when it
// vanished): once the get's last lookup is in, the get settles.
void NetlinkSocket::FinishLookup(uint32_t seq, bool found) {
  auto it = pending_.find(seq);
  uint32_t get = it->second.lookup_for;
  std::string replies = found ? std::move(it->second.replies) : std::string();
  pending_.erase(it);
  auto held = pending_.find(get);
  if (held == pending_.end()) return;
  held->second.names += replies;
  if (--held->second.lookups > 0) return;
  Completion completion{get, 0};
  completion.replies = std::move(held->second.replies);
  completion.names = std::move(held->second.names);
  completion.name_links = true;
  pending_.erase(held);
  completions_.push_back(std::move(completion));
}

void NetlinkSocket::FailAll(const std::vector<uint32_t>& seqs, int error, const char* message) {
  for (uint32_t seq : seqs) Complete(seq, Completion{seq, error, {}, message});
}

void NetlinkSocket::Dispatch() {
  if (completions_.empty() || closed_) {
    completions_.clear();
    return;
  }
  Napi::Env env = Env();
  ValueWriter& out = writer_;
  WriteCompletions(out);
  Deliver(env, out, Value(), on_complete_.Value());
  Recycle(out);
  if (env.IsExceptionPending()) {
    napi_fatal_exception(env, env.GetAndClearPendingException().Value());
  }
}

// completions_ as onComplete's batch: [seq, error | null, messages | null, seq, …].
void NetlinkSocket::WriteCompletions(ValueWriter& out) {
  out.BeginArray(nullptr);
  for (Completion& c : completions_) {
    out.Number(nullptr, c.seq);
    if (c.error != 0) {
      out.BeginObject(nullptr);
      out.Number("errno", c.error);
      if (!c.message.empty()) out.String("message", c.message);
      if (!c.summary.empty()) out.String("summary", c.summary);
      if (!c.attr.empty()) out.String("attr", c.attr);
      if (c.missing_attr >= 0) out.Number("missingAttr", static_cast<double>(c.missing_attr));
      out.EndObject();
      out.Null(nullptr);
    } else {
      out.Null(nullptr);
      DecodeAll(out, c.replies.data(), c.replies.size(), c.name_links, c.dump ? nullptr : &c.names);
    }
  }
  out.EndArray();
  completions_.clear();
}

void NetlinkSocket::DispatchEvents() {
  if (on_event_.IsEmpty() || closed_ || (event_bytes_.empty() && !events_lost_)) return;
  Napi::Env env = Env();
  // [type, message, type, message, …]; type -1 (message null) when some were lost.
  ValueWriter& out = writer_;
  out.BeginArray(nullptr);
  if (events_lost_) {
    out.Number(nullptr, -1);
    out.Null(nullptr);
    events_lost_ = false;
  }
  ForEachMessage(event_bytes_.data(), event_bytes_.size(), [&](const nlmsghdr* nlh) {
    out.Number(nullptr, nlh->nlmsg_type);
    DecodeMessage(out, nlh);
  });
  out.EndArray();
  event_bytes_.clear();
  Deliver(env, out, Value(), on_event_.Value());
  Recycle(out);
  if (env.IsExceptionPending()) {
    napi_fatal_exception(env, env.GetAndClearPendingException().Value());
  }
}

// While requests are pending the socket keeps the loop (and itself) alive;
// an idle handle lets the process exit.
void NetlinkSocket::UpdateLiveness() {
  if (closed_) return;
  // A monitor keeps the loop alive until it is closed, like a server.
  bool busy = !pending_.empty() || !on_event_.IsEmpty();
  if (busy == referenced_) return;
  referenced_ = busy;
  auto* handle = reinterpret_cast<uv_handle_t*>(poll_);
  if (busy) {
    uv_ref(handle);
    Ref();
  } else {
    uv_unref(handle);
    Unref();
  }
}

Napi::Value NetlinkSocket::Encode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequestTraits traits;
  const nlmsghdr* nlh = EncodeRequest(env, info[0], info[1], &traits);
  if (nlh == nullptr) return env.Undefined();
  return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(nlh), nlh->nlmsg_len);
}

Napi::Value NetlinkSocket::Decode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) {
    Napi::TypeError::New(env, "vnic: decode(bytes: Uint8Array)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto bytes = info[0].As<Napi::Uint8Array>();
  ValueWriter out;
  DecodeAll(out, reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength());
  return ToJs(env, out);
}

}  // namespace vnic
