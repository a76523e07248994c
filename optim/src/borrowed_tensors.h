#pragma once
// Lists of tensors held without reference counts, for the lists of one
// step(). Copying an at::Tensor writes its TensorImpl's reference count, one
// cache miss per tensor on a list of many small tensors, and the copy's
// destruction is a second; a borrow (ATen's MaybeOwnedTraits) writes nothing.
// The borrowed tensors must outlive the list: a step() borrows tensors that
// the optimizer's groups and state keep.
#include <ATen/core/Tensor.h>
#include <c10/util/MaybeOwned.h>

#include <vector>

namespace gradus {
namespace optim {

// Releases borrows made by borrow() without touching the tensors.
inline void release_borrows(std::vector<at::Tensor>& list) {
  for (at::Tensor& t : list) c10::MaybeOwnedTraits<at::Tensor>::destroyBorrow(t);
  list.clear();
}

inline at::Tensor borrow(const at::Tensor& t) { return c10::MaybeOwnedTraits<at::Tensor>::createBorrow(t); }

class BorrowedTensors {
 public:
  BorrowedTensors() = default;
  BorrowedTensors(BorrowedTensors&& other) noexcept : list_(std::move(other.list_)) { other.list_.clear(); }
  BorrowedTensors(const BorrowedTensors&) = delete;
  BorrowedTensors& operator=(const BorrowedTensors&) = delete;
  BorrowedTensors& operator=(BorrowedTensors&&) = delete;
  ~BorrowedTensors() { release_borrows(list_); }

  void reserve(size_t n) { list_.reserve(n); }
  void push_back(const at::Tensor& t) { list_.push_back(borrow(t)); }
  at::TensorList view() const { return list_; }

 private:
  std::vector<at::Tensor> list_;
};

}  // namespace optim
}  // namespace gradus
