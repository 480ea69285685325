// ScratchMessage: a protobuf message reused by successive requests on one
// thread. Clear() keeps a message's strings and sub-messages allocated, so
// parsing or decoding into a warm scratch message allocates nothing; a fresh
// message per request costs about ten allocations per event. A nested use on
// the same thread (a callback that starts another request inline) gets a
// fresh message instead, and a message grown past `kMaxKeptBytes` of input is
// dropped rather than kept for the thread's life.
#ifndef TRACKD_SERVER_SCRATCH_MESSAGE_H_
#define TRACKD_SERVER_SCRATCH_MESSAGE_H_

#include <cstddef>
#include <memory>

namespace trackd {

template <typename Message>
class ScratchMessage {
 public:
  // Input larger than this (bytes) is parsed into a message that is not kept.
  static constexpr size_t kMaxKeptBytes = 256 << 10;

  // `input_bytes`: the size of what will be parsed into the message, if known.
  explicit ScratchMessage(size_t input_bytes = 0) {
    Slot& slot = ThreadSlot();
    if (!slot.in_use && input_bytes <= kMaxKeptBytes) {
      if (slot.message == nullptr) slot.message = std::make_unique<Message>();
      slot.message->Clear();
      slot.in_use = true;
      message_ = slot.message.get();
    } else {
      own_ = std::make_unique<Message>();
      message_ = own_.get();
    }
  }
  ~ScratchMessage() {
    if (own_ == nullptr) ThreadSlot().in_use = false;
  }
  ScratchMessage(const ScratchMessage&) = delete;
  ScratchMessage& operator=(const ScratchMessage&) = delete;

  Message& operator*() { return *message_; }
  Message* operator->() { return message_; }
  Message* get() { return message_; }

 private:
  struct Slot {
    std::unique_ptr<Message> message;
    bool in_use = false;
  };
  static Slot& ThreadSlot() {
    thread_local Slot slot;
    return slot;
  }

  Message* message_;
  std::unique_ptr<Message> own_;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_SCRATCH_MESSAGE_H_
