#include "server/dedupe_index.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "absl/random/random.h"

namespace trackd {
namespace {

// The first ring; small enough that an idle index costs about 30 KiB.
constexpr size_t kInitialCapacity = 1024;
// The first ring of time buckets.
constexpr size_t kInitialBuckets = 64;
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
  return static_cast<uint32_t>(std::clamp<int64_t>(s, 0, std::numeric_limits<uint32_t>::max()));
}

SipHashKey RandomKey() {
  absl::BitGen gen;
  return SipHashKey{absl::Uniform<uint64_t>(gen), absl::Uniform<uint64_t>(gen)};
}

}  // namespace

DedupeIndex::DedupeIndex(DedupeOptions options) : DedupeIndex(options, RandomKey()) {}

DedupeIndex::DedupeIndex(DedupeOptions options, SipHashKey key)
    : options_(options),
      max_ids_(std::clamp<size_t>(options.max_ids, 1, kMaxIds)),
      max_buckets_(max_ids_ / 16 + kInitialBuckets),
      key_(key) {
  Grow();
  GrowBuckets();
}

DedupeIndex::~DedupeIndex() = default;

size_t DedupeIndex::memory_bytes() const {
  return sizeof(*this) + capacity_ * sizeof(Hash128) + bucket_capacity_ * sizeof(TimeBucket) +
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
  ++size_;
  slots_[probe.index] = Slot{Top(fingerprint), static_cast<uint32_t>(position + 1)};
  CountInBucket(CompactSeconds(stored_at));
}

void DedupeIndex::CountInBucket(uint32_t second) {
  if (bucket_count_ > 0 && NewestBucket().second == second) {
    ++NewestBucket().ids;
    return;
  }
  if (bucket_count_ == bucket_capacity_ && bucket_capacity_ < max_buckets_) GrowBuckets();
  if (bucket_count_ < bucket_capacity_) {
    size_t i = bucket_head_ + bucket_count_;
    if (i >= bucket_capacity_) i -= bucket_capacity_;
    buckets_[i] = TimeBucket{1, second};
    ++bucket_count_;
    return;
  }
  // Out of buckets: the newest takes this id too, with the later second, so
  // its older ids are remembered longer, never shorter.
  TimeBucket& newest = NewestBucket();
  newest.second = std::max(newest.second, second);
  ++newest.ids;
}

void DedupeIndex::ExpireBefore(absl::Time cutoff) {
  // An id expires when its stored time is before the cutoff; as the stored
  // second s is an integer, s < cutoff exactly when s < ceil(cutoff).
  const int64_t cutoff_seconds = CeilUnixSeconds(cutoff);
  while (bucket_count_ > 0 &&
         static_cast<int64_t>(buckets_[bucket_head_].second) < cutoff_seconds) {
    for (uint32_t n = buckets_[bucket_head_].ids; n > 0; --n) PopOldest();
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
    const bool home_in_hole_to_j =
        hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!home_in_hole_to_j) {
      slots_[hole] = slot;
      hole = j;
    }
  }
  slots_[hole] = Slot{};
  head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
  --size_;
  if (--buckets_[bucket_head_].ids == 0) {
    bucket_head_ = bucket_head_ + 1 == bucket_capacity_ ? 0 : bucket_head_ + 1;
    --bucket_count_;
  }
  // The next id to go is known now: start loading its table line, so the next
  // eviction does not wait for memory (the ring itself is read in order).
  if (size_ > 0) __builtin_prefetch(&slots_[Home(Top(fingerprints_[head_]))], 1);
}

void DedupeIndex::Grow() {
  const size_t old_capacity = capacity_;
  const size_t capacity = std::min(max_ids_, std::max(kInitialCapacity, 2 * old_capacity));

  // The ring, oldest first from position 0: two sequential copies.
  PageArray<Hash128> fingerprints(capacity);
  const size_t first_part = std::min(size_, old_capacity - head_);
  std::copy_n(fingerprints_.get() + head_, first_part, fingerprints.get());
  std::copy_n(fingerprints_.get(), size_ - first_part, fingerprints.get() + first_part);
  fingerprints_ = std::move(fingerprints);

  // The table, from the old one read in slot order: homes grow with `top` in
  // both tables, so the new table is written nearly in order too, rather than
  // at random (a cache miss per id) as re-inserting from the ring would.
  auto old_slots = std::move(slots_);
  const size_t old_slot_count = slot_count_;
  slot_count_ = capacity + (capacity + 2) / 3;  // ceil(4/3 capacity): at most 3/4 full.
  slots_ = PageArray<Slot>(slot_count_);        // Zero-filled: all empty.
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

void DedupeIndex::GrowBuckets() {
  const size_t capacity = std::min(max_buckets_, std::max(kInitialBuckets, 2 * bucket_capacity_));
  PageArray<TimeBucket> buckets(capacity);
  const size_t first_part = std::min(bucket_count_, bucket_capacity_ - bucket_head_);
  std::copy_n(buckets_.get() + bucket_head_, first_part, buckets.get());
  std::copy_n(buckets_.get(), bucket_count_ - first_part, buckets.get() + first_part);
  buckets_ = std::move(buckets);
  bucket_capacity_ = capacity;
  bucket_head_ = 0;
}

}  // namespace trackd
