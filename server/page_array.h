// PageArray: a fixed-size, zero-filled array of a trivial type in its own
// anonymous memory mapping.
//
// The dedupe index's ring and table take tens of MB. From the allocator, the
// arrays a resize replaces would stay in its free lists and keep counting in
// the process's RSS (measured: 126 MiB after 4 M events against a 2 M cap,
// 58 MiB of it the index); in their own mapping they go back to the system the
// moment they are freed, and pages never written are never resident.
#ifndef TRACKD_SERVER_PAGE_ARRAY_H_
#define TRACKD_SERVER_PAGE_ARRAY_H_

#include <sys/mman.h>

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace trackd {

template <typename T>
class PageArray {
  // Zero bytes must be a valid T, and no destructor may need to run.
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  PageArray() = default;
  // Throws std::bad_alloc when the mapping fails, as new would.
  explicit PageArray(size_t size) : bytes_(size * sizeof(T)) {
    if (bytes_ == 0) return;
    void* memory =
        mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) throw std::bad_alloc();
    // A lookup lands on a random slot of a table of tens of MB: with 4 KiB
    // pages nearly every one also misses the TLB. Huge pages (where the
    // kernel's transparent huge pages allow it) cover the table with a few
    // TLB entries. Advice only: nothing fails without it.
    if (bytes_ >= kHugePageBytes) madvise(memory, bytes_, MADV_HUGEPAGE);
    data_ = static_cast<T*>(memory);
  }
  ~PageArray() { Release(); }

  PageArray(PageArray&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}
  PageArray& operator=(PageArray&& other) noexcept {
    if (this != &other) {
      Release();
      data_ = std::exchange(other.data_, nullptr);
      bytes_ = std::exchange(other.bytes_, 0);
    }
    return *this;
  }
  PageArray(const PageArray&) = delete;
  PageArray& operator=(const PageArray&) = delete;

  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* get() { return data_; }
  const T* get() const { return data_; }
  explicit operator bool() const { return data_ != nullptr; }

 private:
  static constexpr size_t kHugePageBytes = 2 << 20;

  void Release() {
    if (data_ != nullptr) munmap(data_, bytes_);
    data_ = nullptr;
    bytes_ = 0;
  }

  T* data_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_PAGE_ARRAY_H_
