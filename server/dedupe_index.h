// DedupeIndex: the message_ids stored within the deduplication window.
//
// Bounded twice: ids older than the window are forgotten, and so are the oldest
// ids once there are more than max_ids. Memory is about 100 bytes plus the id's
// length per entry. Not thread-safe; the pipeline guards it.
#ifndef TRACKD_SERVER_DEDUPE_INDEX_H_
#define TRACKD_SERVER_DEDUPE_INDEX_H_

#include <cstddef>
#include <deque>
#include <string>
#include "absl/strings/string_view.h"
#include <utility>

#include "absl/container/node_hash_set.h"
#include "absl/time/time.h"

namespace trackd {

struct DedupeOptions {
  // How long a stored message_id keeps answering duplicate=true.
  absl::Duration window = absl::Hours(24);
  // The most ids remembered; beyond it the oldest are forgotten early.
  size_t max_ids = 2'000'000;
};

class DedupeIndex {
 public:
  explicit DedupeIndex(DedupeOptions options) : options_(options) {}

  // Returns true when `id` was stored within the window before `now`.
  bool Contains(absl::string_view id, absl::Time now) {
    Expire(now);
    return ids_.contains(id);
  }

  // Remembers `id` as stored at `stored_at`. Ids must come in stored order.
  void Insert(std::string id, absl::Time stored_at) {
    auto [it, inserted] = ids_.insert(std::move(id));
    if (!inserted) return;
    order_.emplace_back(stored_at, &*it);
    while (ids_.size() > options_.max_ids) PopOldest();
  }

  size_t size() const { return ids_.size(); }

 private:
  void Expire(absl::Time now) {
    const absl::Time cutoff = now - options_.window;
    while (!order_.empty() && order_.front().first < cutoff) PopOldest();
  }

  void PopOldest() {
    ids_.erase(ids_.find(*order_.front().second));
    order_.pop_front();
  }

  const DedupeOptions options_;
  absl::node_hash_set<std::string> ids_;  // Node-based: order_ points into it.
  std::deque<std::pair<absl::Time, const std::string*>> order_;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_DEDUPE_INDEX_H_
