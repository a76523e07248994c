#pragma once
// One lr function per param group, as LambdaLR and MultiplicativeLR take them.
#include <gradus/schedulers/lambda_lr.h>

namespace gradus {
namespace schedulers {
namespace detail {

inline std::vector<LrLambda> lambda_per_group(const std::vector<LrLambda>& given, size_t groups,
                                              const std::string& name) {
  for (const auto& fn : given) TORCH_CHECK(static_cast<bool>(fn), name, ": lr_lambda is empty");
  if (given.size() == 1) return std::vector<LrLambda>(groups, given[0]);
  TORCH_CHECK(given.size() == groups, name, ": expected ", groups, " lr_lambdas, but got ", given.size());
  return given;
}

}  // namespace detail
}  // namespace schedulers
}  // namespace gradus
