#include "server/dedupe_index.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "absl/random/random.h"

namespace trackd {
namespace {

// The first ring; small enough that an idle index costs about 31 KiB.
constexpr size_t kInitialCapacity = 1024;
// Slots hold position + 1 in 32 bits, and 32 bits of home spread over at most
// 4/3 * 2^31 < 2^32 slots.
constexpr size_t kMaxIds = size_t{1} << 31;

[[noreturn]] void Corrupted(const char* what) {
  std::fprintf(stderr, "DedupeIndex corrupted: %s\n", what);
  std::abort();
}

// The whole Unix second at or after `t`, saturated to int64.
int64_t CeilUnixSeconds(absl::Time t) {
  if (t == absl::InfinitePast()) return std::numeric_limits<int64_t>::min();
  if (t == absl::InfiniteFuture()) return std::numeric_limits<int64_t>::max();
  const int64_t floor = absl::ToUnixSeconds(t);  // Rounds toward the past.
  return absl::FromUnixSeconds(floor) < t ? floor + 1 : floor;
}

// uint32 seconds cover 1970 to 2106; earlier times are stored as 1970 (kept
// longer, never shorter).
uint32_t CompactSeconds(absl::Time t) {
  const int64_t s = CeilUnixSeconds(t);
  return static_cast<uint32_t>(
      std::clamp<int64_t>(s, 0, std::numeric_limits<uint32_t>::max()));
}

SipHashKey RandomKey() {
  absl::BitGen gen;
  return SipHashKey{absl::Uniform<uint64_t>(gen), absl::Uniform<uint64_t>(gen)};
}

}  // namespace

DedupeIndex::DedupeIndex(DedupeOptions options) : DedupeIndex(options, RandomKey()) {}

DedupeIndex::DedupeIndex(DedupeOptions options, SipHashKey key)
    : options_(options), max_ids_(std::clamp<size_t>(options.max_ids, 1, kMaxIds)), key_(key) {
  Grow();
}

DedupeIndex::~DedupeIndex() = default;

size_t DedupeIndex::memory_bytes() const {
  return sizeof(*this) + capacity_ * (sizeof(Hash128) + sizeof(uint32_t)) +
         slot_count_ * sizeof(Slot);
}

DedupeIndex::Probe DedupeIndex::Find(const Hash128& fingerprint) const {
  const uint32_t top = Top(fingerprint);
  for (size_t i = Home(top);; i = NextSlot(i)) {
    const Slot& slot = slots_[i];
    if (slot.position == 0) return {i, false};
    if (slot.top == top && fingerprints_[slot.position - 1] == fingerprint) return {i, true};
  }
}

bool DedupeIndex::Contains(const Hash128& fingerprint, absl::Time now) {
  ExpireBefore(now - options_.window);
  return Find(fingerprint).found;
}

void DedupeIndex::Insert(const Hash128& fingerprint, absl::Time stored_at) {
  Probe probe = Find(fingerprint);
  if (probe.found) return;
  if (size_ == capacity_) {
    if (capacity_ < max_ids_) {
      Grow();
    } else {
      PopOldest();
    }
    probe = Find(fingerprint);  // The table changed under the old probe.
  }
  size_t position = head_ + size_;
  if (position >= capacity_) position -= capacity_;
  fingerprints_[position] = fingerprint;
  stored_seconds_[position] = CompactSeconds(stored_at);
  ++size_;
  slots_[probe.index] = Slot{Top(fingerprint), static_cast<uint32_t>(position + 1)};
}

void DedupeIndex::ExpireBefore(absl::Time cutoff) {
  // An id expires when its stored time is before the cutoff; as the stored
  // second s is an integer, s < cutoff exactly when s < ceil(cutoff).
  const int64_t cutoff_seconds = CeilUnixSeconds(cutoff);
  while (size_ > 0 && static_cast<int64_t>(stored_seconds_[head_]) < cutoff_seconds) {
    PopOldest();
  }
}

void DedupeIndex::PopOldest() {
  const uint32_t wanted = static_cast<uint32_t>(head_ + 1);
  size_t hole = Home(Top(fingerprints_[head_]));
  while (slots_[hole].position != wanted) {
    if (slots_[hole].position == 0) Corrupted("the oldest id is not in the table");
    hole = NextSlot(hole);
  }
  // Backward-shift deletion: pull each later entry of the cluster into the
  // hole unless that would move it before its home slot, so every remaining
  // entry stays reachable from its home without tombstones.
  for (size_t j = NextSlot(hole);; j = NextSlot(j)) {
    const Slot slot = slots_[j];
    if (slot.position == 0) break;
    const size_t home = Home(slot.top);
    const bool home_in_hole_to_j = hole <= j ? (hole < home && home <= j)
                                             : (hole < home || home <= j);
    if (!home_in_hole_to_j) {
      slots_[hole] = slot;
      hole = j;
    }
  }
  slots_[hole] = Slot{};
  head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
  --size_;
  // The next id to go is known now: start loading its table line, so the next
  // eviction does not wait for memory (the ring itself is read in order).
  if (size_ > 0) __builtin_prefetch(&slots_[Home(Top(fingerprints_[head_]))], 1);
}

void DedupeIndex::Grow() {
  const size_t old_capacity = capacity_;
  const size_t capacity = std::min(max_ids_, std::max(kInitialCapacity, 2 * old_capacity));

  // The ring, oldest first from position 0: two sequential copies.
  PageArray<Hash128> fingerprints(capacity);
  PageArray<uint32_t> stored_seconds(capacity);
  const size_t first_part = std::min(size_, old_capacity - head_);
  std::copy_n(fingerprints_.get() + head_, first_part, fingerprints.get());
  std::copy_n(fingerprints_.get(), size_ - first_part, fingerprints.get() + first_part);
  std::copy_n(stored_seconds_.get() + head_, first_part, stored_seconds.get());
  std::copy_n(stored_seconds_.get(), size_ - first_part, stored_seconds.get() + first_part);
  fingerprints_ = std::move(fingerprints);
  stored_seconds_ = std::move(stored_seconds);

  // The table, from the old one read in slot order: homes grow with `top` in
  // both tables, so the new table is written nearly in order too -- a stall
  // of a few milliseconds per million ids instead of a cache miss per id.
  auto old_slots = std::move(slots_);
  const size_t old_slot_count = slot_count_;
  slot_count_ = capacity + (capacity + 2) / 3;  // ceil(4/3 capacity): one left empty.
  slots_ = PageArray<Slot>(slot_count_);  // Zero-filled: all empty.
  for (size_t j = 0; j < old_slot_count; ++j) {
    const Slot old = old_slots[j];
    if (old.position == 0) continue;
    // Renumber: the id at old ring position p is now (p - head_) mod old capacity.
    size_t position = old.position - 1 + old_capacity - head_;
    if (position >= old_capacity) position -= old_capacity;
    size_t i = Home(old.top);
    while (slots_[i].position != 0) i = NextSlot(i);
    slots_[i] = Slot{old.top, static_cast<uint32_t>(position + 1)};
  }
  capacity_ = capacity;
  head_ = 0;
}

}  // namespace trackd
