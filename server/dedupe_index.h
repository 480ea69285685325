// DedupeIndex: the message_ids stored within the deduplication window.
//
// Bounded twice: ids older than the window are forgotten, and so are the oldest
// ids once there are more than max_ids. Nothing is allocated per id. An id is
// kept as its 128-bit fingerprint (SipHash-2-4-128 under a random key chosen
// per index, server/siphash.h) in a ring in insertion order, its stored time
// (whole seconds) as part of a run of ids stored in the same second, and found
// through an open-addressing table of ring positions (linear probing,
// backward-shift deletion, at most 3/4 full). Expiry by age and eviction by
// count both take the ring's head: O(1) amortised, without reading the ring
// at random (see Slot).
//
// Memory: 27.2 bytes per id of capacity (16 fingerprint, 4/3 table slots of
// 8, half a byte of time buckets), so 2 M ids take 54.3 MB (51.8 MiB), and
// never more. The table is kept sparse rather than the time kept per id: at
// 3/4 full, an insert into a full index took about 20 % longer.
// The ring starts at 1024 ids and doubles up to max_ids as ids arrive, so a
// small deployment pays for what it holds, not for the cap. Each doubling
// copies the ring and rebuilds the table, briefly holding both (about 1.5 times
// the new size) and pausing the caller for about 40 ns per id held (some 40 ms
// at the last step to 2 M) -- once per process, and none after the cap.
//
// Time buckets (one per second in which ids were stored) double as needed, up
// to one per 16 of max_ids (and 64 more): with the default cap, 125 064, more
// than the 86 401 seconds of a 24 h window. Only ids stored in more distinct
// seconds than that -- a window of weeks at low rates -- make seconds share a
// bucket, whose ids are then remembered longer.
//
// Two approximations, both on the side of remembering: a stored time is
// rounded up to the next whole second (an id answers duplicate for up to one
// second longer than the window, never shorter); and two different ids with
// the same fingerprint count as one, so the second would be answered as a
// duplicate. With a keyed 128-bit hash that is a 2^-128 chance per pair, even
// for ids an adversary picks; with 2 M ids remembered, about 2^-107 per
// lookup of a new id.
//
// Not thread-safe; the pipeline guards it.
#ifndef TRACKD_SERVER_DEDUPE_INDEX_H_
#define TRACKD_SERVER_DEDUPE_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/page_array.h"
#include "server/siphash.h"

namespace trackd {

struct DedupeOptions {
  // How long a stored message_id keeps answering duplicate=true.
  absl::Duration window = absl::Hours(24);
  // The most ids remembered; beyond it the oldest are forgotten early.
  // 27.2 bytes each once reached. Values above 2^31 count as 2^31.
  size_t max_ids = 2'000'000;
};

class DedupeIndex {
 public:
  // The fingerprint key is random, so ids cannot be chosen to collide.
  explicit DedupeIndex(DedupeOptions options);
  // With a given key, for tests that must lay the table out the same each run.
  DedupeIndex(DedupeOptions options, SipHashKey key);
  ~DedupeIndex();

  DedupeIndex(const DedupeIndex&) = delete;
  DedupeIndex& operator=(const DedupeIndex&) = delete;

  // Forgets the ids stored more than the window before `now`, then returns
  // true when `id` (or an id with the same fingerprint) is still remembered.
  bool Contains(absl::string_view id, absl::Time now) { return Contains(Fingerprint(id), now); }
  bool Contains(const Hash128& fingerprint, absl::Time now);

  // Remembers `id` as stored at `stored_at`; a no-op when it is already
  // remembered. Ids must come in stored order (expiry looks at the oldest
  // first). Forgets the oldest id when max_ids are remembered.
  void Insert(absl::string_view id, absl::Time stored_at) { Insert(Fingerprint(id), stored_at); }
  void Insert(const Hash128& fingerprint, absl::Time stored_at);

  // The fingerprint an id is kept as: a caller that looks an id up more than
  // once (the pipeline: Contains, then Insert) computes it once.
  Hash128 Fingerprint(absl::string_view id) const { return SipHash128(key_, id); }

  // Starts loading the table slot where `fingerprint`'s lookup begins. A full
  // table is tens of MB, so each lookup is a cache miss; a caller with many
  // ids (a batch) prefetches them all first, and the misses overlap.
  void Prefetch(const Hash128& fingerprint) const {
    if (slot_count_ > 0) __builtin_prefetch(&slots_[Home(Top(fingerprint))]);
  }

  // How many ids are remembered.
  size_t size() const { return size_; }

  // The bytes this index holds: the object, the ring and the table.
  size_t memory_bytes() const;

 private:
  // An id's place in the table: the top 32 bits of its fingerprint's hi half
  // (which fix its home slot, so deletion never reads the ring, and filter
  // probes, so a miss rarely does) and its ring position + 1 (0: empty).
  struct Slot {
    uint32_t top = 0;
    uint32_t position = 0;
  };

  static uint32_t Top(const Hash128& fingerprint) {
    return static_cast<uint32_t>(fingerprint.hi >> 32);
  }
  size_t Home(uint32_t top) const {
    // Maps top uniformly onto [0, slot_count_) without a division.
    return static_cast<size_t>((uint64_t{top} * slot_count_) >> 32);
  }
  size_t NextSlot(size_t i) const { return i + 1 == slot_count_ ? 0 : i + 1; }

  // The table index holding `fingerprint`, or -- when `found` is false -- the
  // empty slot that ends its probe sequence.
  struct Probe {
    size_t index;
    bool found;
  };
  Probe Find(const Hash128& fingerprint) const;

  void ExpireBefore(absl::Time cutoff);
  void PopOldest();
  // Doubles the ring (up to max_ids), keeping the order, and rebuilds the table.
  void Grow();
  // Counts the id just added to the ring as stored in `second`.
  void CountInBucket(uint32_t second);
  // Doubles the ring of time buckets (up to max_buckets_), keeping the order.
  void GrowBuckets();

  const DedupeOptions options_;
  const size_t max_ids_;
  const size_t max_buckets_;
  const SipHashKey key_;

  // The ids' stored times: for each run of ids stored in the same second
  // (ceil Unix seconds, up to 2106), how many they are.
  struct TimeBucket {
    uint32_t ids;
    uint32_t second;
  };
  TimeBucket& NewestBucket() {
    size_t i = bucket_head_ + bucket_count_ - 1;
    return buckets_[i >= bucket_capacity_ ? i - bucket_capacity_ : i];
  }

  // The ring of fingerprints, oldest at head_.
  PageArray<Hash128> fingerprints_;
  size_t capacity_ = 0;
  size_t head_ = 0;
  size_t size_ = 0;

  // The ring of time buckets, oldest (holding the id at head_) at bucket_head_.
  PageArray<TimeBucket> buckets_;
  size_t bucket_capacity_ = 0;
  size_t bucket_head_ = 0;
  size_t bucket_count_ = 0;

  // The table: at most 3/4 full (3/5 was measured no faster in the whole
  // server, and cost 5 MiB more at the default cap).
  PageArray<Slot> slots_;
  size_t slot_count_ = 0;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_DEDUPE_INDEX_H_
