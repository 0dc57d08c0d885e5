// The netlink engine: one NETLINK_ROUTE socket, driven by uv_poll on the Node
// event loop. Requests get a sequence number; requests made in one tick leave
// in one sendmsg (flush(), from a microtask lib/ queues); replies are matched
// back by sequence number and handed to JS in one call per wakeup — or, when
// the kernel answered a flush of a few requests inside its sendmsg, returned
// by flush() itself.
#pragma once

#ifndef NAPI_DISABLE_CPP_EXCEPTIONS
#define NAPI_DISABLE_CPP_EXCEPTIONS
#endif
#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "compact.h"

struct mnl_socket;
struct nlmsghdr;

namespace vnic {

class NetlinkSocket : public Napi::ObjectWrap<NetlinkSocket> {
 public:
  static Napi::Function Init(Napi::Env env);
  // new NetlinkSocket(onComplete, nsFd = -1, options?)
  // onComplete([seq, error | null, messages[], seq, …]) is called once per
  // wakeup with every request that settled in it.
  // options: { groups?: number[] (RTNLGRP_*), onEvent?: (events) => void,
  //            receiveBuffer?: bytes } — a monitor: onEvent([type, message,
  //            type, message, …]) gets the kernel's notifications, type -1
  //            (message null) when some were lost (ENOBUFS).
  explicit NetlinkSocket(const Napi::CallbackInfo& info);
  ~NetlinkSocket() override;

 private:
  struct Pending {
    std::string request;      // the bytes sent: resent for an interrupted dump, read for extack offsets
    std::string replies;      // every data message received for it, in order
    uint64_t sent_order = 0;  // 0 until sent
    bool dump = false;
    bool slow = false;   // always sent from a worker
    bool heavy = false;  // sent from a worker when batched with others
    bool interrupted = false;
    // A link dump naming parents and masters from itself; a link get naming
    // them through lookups the engine makes (held until they answer).
    bool name_links = false;
    uint8_t retries = 0;
    uint8_t lookups = 0;    // a held get: its lookups still unanswered
    uint32_t lookup_for = 0;  // a lookup: the seq of the get it names links for
    std::string names;        // a held get: the links its lookups found
  };
  struct Completion {
    uint32_t seq;
    int error;  // positive errno, 0 for success
    std::string message;  // the kernel's extended-ack text
    std::string summary;  // ours, when the failure is the engine's to explain
    std::string attr;
    int64_t missing_attr = -1;
    std::string replies;
    bool name_links = false;
    std::string names;  // the links a get's lookups found
    bool dump = false;
  };
  struct SendWork;

  Napi::Value Request(const Napi::CallbackInfo& info);
  Napi::Value FlushNow(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value PendingCount(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  static Napi::Value Encode(const Napi::CallbackInfo& info);
  static Napi::Value Decode(const Napi::CallbackInfo& info);

  void StartPolling();
  void ScheduleFlush();
  void Flush();
  bool SendBatch(const std::string& batch, const std::vector<uint32_t>& seqs, bool slow);
  void OnSendDone(SendWork* work);
  void OnReadable();
  void HandleMessage(const nlmsghdr* nlh);
  void HandleError(const nlmsghdr* nlh);
  void HandleDone(const nlmsghdr* nlh);
  void HandleOverrun();
  void Complete(uint32_t seq, Completion completion);
  bool StartLookups(uint32_t seq);
  void FinishLookup(uint32_t seq, bool found);
  void ReadAnswers(int budget);
  int ReadAvailable(int budget);
  void FailAll(const std::vector<uint32_t>& seqs, int error, const char* message);
  void Dispatch();
  void WriteCompletions(ValueWriter& out);
  bool MayAnswerNow();
  void DispatchEvents();
  bool IsReply(const nlmsghdr* nlh) const;
  void UpdateLiveness();
  void Shutdown();

  mnl_socket* nl_ = nullptr;
  int fd_ = -1;
  uint32_t portid_ = 0;
  uv_poll_t* poll_ = nullptr;
  uv_idle_t* idle_ = nullptr;
  uv_prepare_t* prepare_ = nullptr;  // active while a chain of answers-at-once runs: its end
  bool closed_ = false;
  bool worker_busy_ = false;
  bool referenced_ = false;
  uint32_t next_seq_ = 1;
  uint64_t send_counter_ = 0;
  size_t in_flight_ = 0;
  uint32_t dump_in_flight_ = 0;
  bool overrun_seen_ = false;       // ENOBUFS read, no barrier sent for it yet
  uint32_t barrier_seq_ = 0;        // an NLMSG_NOOP sent after ENOBUFS
  uint64_t barrier_order_ = 0;      // requests sent before it lost their replies
  std::unordered_map<uint32_t, Pending> pending_;
  std::deque<uint32_t> outbox_;
  std::vector<Completion> completions_;
  std::vector<char> recv_buf_;
  Napi::FunctionReference on_complete_;
  Napi::FunctionReference on_event_;  // empty unless this socket is a monitor
  std::string event_bytes_;           // notifications received in this wakeup
  bool events_lost_ = false;
  // What the kernel did to us, for tests and diagnostics (stats()).
  uint64_t dump_retries_ = 0;      // dumps sent again after NLM_F_DUMP_INTR
  uint64_t dumps_given_up_ = 0;    // dumps failed with EINTR after kDumpRetries
  uint64_t overruns_ = 0;          // ENOBUFS read from the socket
  uint64_t barriers_ = 0;          // NLMSG_NOOP barriers sent after one
  uint64_t replies_lost_ = 0;      // requests failed with ENOBUFS behind a barrier
  bool lookups_started_ = false;      // in this wakeup: read again after sending them
  ValueWriter writer_;                // what a wakeup hands to JS, reused
  ValueWriter answer_writer_;         // what flush() returns (it may run inside a delivery)
  // When flush() first answered at once since the loop last reached its poll
  // phase (uv_hrtime, ns); 0: not since then.
  uint64_t chain_started_ = 0;
};

}  // namespace vnic
