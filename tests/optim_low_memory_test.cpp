// Low-memory training (gradus/optim/precision.h): bfloat16 and int8
// optimizer state, and float16/bfloat16 params with Kahan summation or
// stochastic rounding.
#include <ATen/Parallel.h>
#include <gradus/gradus.h>
#include <gradus/optim/state_codec.h>
#include <gtest/gtest.h>
#include <torch/serialize.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/expect_error.h"
#include "support/saved_bytes.h"

namespace gradus {
namespace testing {
namespace {

using optim::Compensation;
using optim::StatePrecision;

// The goldens' gradient rule, in the param's dtype: g = 2*(p - target) + 0.1*sin(3p).
void set_grads(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& targets) {
  for (size_t i = 0; i < params.size(); ++i) {
    const at::Tensor p = params[i].detach().to(at::kFloat);
    params[i].mutable_grad() = (p - targets[i]).mul(2).add(p.mul(3).sin().mul(0.1)).to(params[i].scalar_type());
  }
}

std::vector<at::Tensor> start_params(at::ScalarType dtype = at::kFloat) {
  at::manual_seed(7);
  // One param above the 4096-element threshold, one below it (keeps float32 state).
  return {at::randn({64, 128}).to(dtype).set_requires_grad(true), at::randn({10}).to(dtype).set_requires_grad(true)};
}

std::vector<at::Tensor> targets_for(const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> out;
  for (const auto& p : params) out.push_back(at::randn(p.sizes()));
  return out;
}

std::vector<at::Tensor> clones(const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> out;
  for (const auto& p : params) out.push_back(p.detach().clone().set_requires_grad(true));
  return out;
}

// Each elementwise optimizer the low-memory options are for, built with
// `precision` and `compensation` on the given params; `slots` gives a
// param's state tensors (its declaration's, then the Kahan buffer).
using OptimizerPtr = std::unique_ptr<optim::FusedOptimizer>;
struct Case {
  std::string name;
  std::function<OptimizerPtr(std::vector<at::Tensor>, StatePrecision, Compensation)> make;
  std::function<std::vector<at::Tensor*>(optim::FusedOptimizer&, const at::Tensor&)> slots;
};

template <class Opt, class State, class Options>
Case case_of(const std::string& name, Options options) {
  Case c;
  c.name = name;
  c.make = [options](std::vector<at::Tensor> params, StatePrecision precision, Compensation compensation) {
    Options o = options;
    o.state_precision(precision).compensation(compensation).rounding_seed(1234);
    return OptimizerPtr(std::make_unique<Opt>(params, o));
  };
  c.slots = [](optim::FusedOptimizer& optimizer, const at::Tensor& param) {
    std::vector<at::Tensor*> out;
    auto* state = static_cast<State*>(optimizer.state_of(param));
    if (state == nullptr) return out;
    for (size_t k = 0; k < State::Hyper::slots().size(); ++k) out.push_back(&state->slot(k));
    return out;
  };
  return c;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      case_of<optim::SGD, optim::SGDParamState>("SGDMomentum", optim::SGDOptions(0.01).momentum(0.9)),
      case_of<optim::Adam, optim::AdamParamState>("Adam", optim::AdamOptions(1e-2)),
      case_of<optim::AdamW, optim::AdamWParamState>("AdamW", optim::AdamWOptions(1e-2)),
      case_of<optim::Lion, optim::LionParamState>("Lion", optim::LionOptions(1e-3)),
      case_of<optim::Adagrad, optim::AdagradParamState>("Adagrad", optim::AdagradOptions(1e-2))};
  return all;
}

class StateFormats : public ::testing::TestWithParam<std::tuple<size_t, StatePrecision>> {};

// The math stays in float32: from the same decoded state, a step with
// low-precision state moves the params exactly as a float32-state step, and
// stores the float32 step's new state encoded (bfloat16: rounded to nearest;
// int8: the blockwise map). That is the bound on the whole trajectory: each
// step adds one rounding of each state tensor and nothing else.
TEST_P(StateFormats, EachStepIsTheFloatStepWithItsStateEncoded) {
  const Case& c = cases()[std::get<0>(GetParam())];
  const StatePrecision precision = std::get<1>(GetParam());
  std::vector<at::Tensor> low = start_params(), ref = clones(low);
  const std::vector<at::Tensor> targets = targets_for(low);
  OptimizerPtr low_opt = c.make(low, precision, Compensation::none);
  OptimizerPtr ref_opt = c.make(ref, StatePrecision::float32, Compensation::none);
  for (int step = 1; step <= 20; ++step) {
    set_grads(low, targets);
    set_grads(ref, targets);
    low_opt->step();
    ref_opt->step();
    for (size_t i = 0; i < low.size(); ++i) {
      ASSERT_TRUE(at::equal(low[i], ref[i])) << c.name << ": step " << step << ", param " << i;
      const std::vector<at::Tensor*> ls = c.slots(*low_opt, low[i]), rs = c.slots(*ref_opt, ref[i]);
      ASSERT_EQ(ls.size(), rs.size());
      for (size_t k = 0; k < ls.size(); ++k) {
        if (!rs[k]->defined()) continue;
        const StatePrecision want = low[i].numel() >= optim::kStatePrecisionMinNumel ? precision : StatePrecision::float32;
        ASSERT_EQ(optim::precision_of(*ls[k], low[i]), want) << c.name << " slot " << k;
        ASSERT_TRUE(at::equal(*ls[k], optim::encode_state(*rs[k], want, ref[i])))
            << c.name << ": step " << step << ", param " << i << ", slot " << k;
        // Both go on from the low-precision state.
        rs[k]->copy_(optim::decode_state(*ls[k], low[i]));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(LowMemory, StateFormats,
                         ::testing::Combine(::testing::Range<size_t>(0, 5),
                                            ::testing::Values(StatePrecision::bfloat16, StatePrecision::int8)),
                         [](const ::testing::TestParamInfo<std::tuple<size_t, StatePrecision>>& info) {
                           return cases()[std::get<0>(info.param)].name + "_" +
                                  optim::to_string(std::get<1>(info.param));
                         });

// float32 state is today's: the same bits as an optimizer without the option.
TEST(LowMemory, Float32StateIsTheDefault) {
  for (const Case& c : cases()) {
    std::vector<at::Tensor> a = start_params(), b = clones(a);
    const auto targets = targets_for(a);
    OptimizerPtr explicit_f32 = c.make(a, StatePrecision::float32, Compensation::none);
    for (int s = 0; s < 5; ++s) {
      set_grads(a, targets);
      explicit_f32->step();
    }
    OptimizerPtr plain = c.make(b, StatePrecision::float32, Compensation::none);
    for (int s = 0; s < 5; ++s) {
      set_grads(b, targets);
      plain->step();
    }
    EXPECT_TRUE(at::equal(a[0], b[0])) << c.name;
    EXPECT_EQ(c.slots(*explicit_f32, a[0])[0]->scalar_type(), at::kFloat) << c.name;
  }
}

// Bytes of serialized state per parameter, Adam over 1M parameters: 8, 4
// and 2 * 260 / 256 = 2.03.
TEST(LowMemory, StateBytesPerParam) {
  const std::vector<std::pair<StatePrecision, double>> expected = {
      {StatePrecision::float32, 8.0}, {StatePrecision::bfloat16, 4.0}, {StatePrecision::int8, 2.03125}};
  for (const auto& [precision, bytes] : expected) {
    at::Tensor p = at::randn({1000, 1024}).set_requires_grad(true);
    optim::Adam adam({p}, optim::AdamOptions(1e-3).state_precision(precision));
    p.mutable_grad() = at::randn({1000, 1024});
    adam.step();
    const double per_param = double(adam.exp_avg(p).nbytes() + adam.exp_avg_sq(p).nbytes()) / double(p.numel());
    EXPECT_NEAR(per_param, bytes, 1e-9) << optim::to_string(precision);
  }
  // The whole of a bfloat16 model with Kahan summation and int8 state: 2
  // bytes of param, 2 of Kahan buffer and 2.03 of state, against float32's
  // 4 + 8 (gradients: 2 against 4).
  at::Tensor p = at::randn({1000, 1024}).to(at::kBFloat16).set_requires_grad(true);
  optim::Adam adam({p}, optim::AdamOptions(1e-3).state_precision(StatePrecision::int8).compensation(Compensation::kahan));
  p.mutable_grad() = at::randn({1000, 1024}).to(at::kBFloat16);
  adam.step();
  const double whole = double(p.nbytes() + adam.compensation(p).nbytes() + adam.exp_avg(p).nbytes() +
                              adam.exp_avg_sq(p).nbytes()) / double(p.numel());
  EXPECT_NEAR(whole, 2 + 2 + 2.03125, 1e-9);
}


// The int8 maps: every code decodes and encodes back to itself, and a
// block of values on the map (absmax a power of two, so x / absmax is
// exact) round-trips exactly: signed for a block with a negative value,
// unsigned for one without.
TEST(Int8Map, ValuesOnTheMapKeepTheirCode) {
  for (const math::Q8Map& map : {math::kSignedQ8, math::kUnsignedQ8}) {
    for (int c = 0; c < 256; ++c) {
      if (static_cast<int>(c & map.magnitude) > map.top) continue;  // above 1.0: no x / absmax reaches them
      const auto code = static_cast<int8_t>(static_cast<uint8_t>(c));
      const float v = math::decode_q8(code, map);
      EXPECT_EQ(math::encode_q8(v, map), code) << "code " << c << " of the " << (map.top == 120 ? "signed" : "unsigned") << " map";
    }
  }
  const at::Tensor param = at::zeros({512});
  std::vector<float> values;
  for (int c = 0; c <= 120; ++c) values.push_back(4.0f * math::decode_q8(static_cast<int8_t>(c), math::kSignedQ8));
  for (int c = 1; c <= 120; ++c) values.push_back(-4.0f * math::decode_q8(static_cast<int8_t>(c), math::kSignedQ8));
  values.resize(256, 0.0f);
  for (int c = 0; c < 256; ++c) {
    values.push_back(0.5f * math::decode_q8(static_cast<int8_t>(static_cast<uint8_t>(std::min(c, 248))), math::kUnsignedQ8));
  }
  const at::Tensor x = at::tensor(values);
  const at::Tensor packed = optim::encode_state(x, StatePrecision::int8, param);
  EXPECT_TRUE(at::equal(optim::decode_state(packed, param), x));
  // The second block, all >= 0, is marked unsigned by its negated scale.
  const at::Tensor scales = packed.narrow(0, 512, 8).view(at::kFloat);
  EXPECT_EQ(scales[0].item<float>(), 4.0f);
  EXPECT_EQ(scales[1].item<float>(), -0.5f);
}

// The element decoder the CUDA kernels use (math::decode_q8_scaled) reads
// every code of both maps as the library's decode does.
TEST(Int8Map, ElementDecodeIsTheBlockDecode) {
  const at::Tensor param = at::zeros({512});
  at::Tensor packed = at::zeros({int64_t(math::quant_bytes(512))}, at::kChar);
  for (int c = 0; c < 512; ++c) packed[c] = static_cast<int8_t>(static_cast<uint8_t>(c % 256));
  const float scales[2] = {3.0f, -0.75f};  // signed map, then unsigned (negated scale)
  std::memcpy(packed.data_ptr<int8_t>() + 512, scales, sizeof(scales));
  const at::Tensor decoded = optim::decode_state(packed, param);
  for (int c = 0; c < 512; ++c) {
    const float want = decoded[c].item<float>();
    EXPECT_EQ(math::decode_q8_scaled(packed[c].item<int8_t>(), scales[c / 256]), want) << "code " << c % 256 << ", block " << c / 256;
  }
}

// The update pass decodes int8 state with vector code of its own. SGD with
// momentum 1 and lr 1, from zero params and zero grads, moves each param
// by exactly minus its decoded momentum: the params show what the pass
// read, for every code of both maps, small and normal codes side by side.
TEST(Int8Map, UpdatePassDecodesEveryCodeAsTheElementDecode) {
  const int64_t numel = optim::kStatePrecisionMinNumel, blocks = numel / math::kQuantBlock;
  at::Tensor param = at::zeros({numel}).set_requires_grad(true);
  param.mutable_grad() = at::zeros({numel});
  optim::SGD sgd({param}, optim::SGDOptions(1.0).momentum(1.0).state_precision(StatePrecision::int8));
  sgd.step();  // the momentum buffer exists from here on
  at::Tensor& buffer = static_cast<optim::SGDParamState*>(sgd.state_of(param))->slot(0);
  ASSERT_EQ(buffer.numel(), math::quant_bytes(numel));
  std::vector<int8_t> codes(numel);
  std::vector<float> scales(blocks);
  for (int64_t i = 0; i < numel; ++i) {  // 37 is odd: each block holds every code once
    codes[i] = static_cast<int8_t>(static_cast<uint8_t>((i * 37 + i / math::kQuantBlock) % 256));
  }
  for (int64_t b = 0; b < blocks; ++b) scales[b] = (b % 2 ? -1.0f : 1.0f) * std::ldexp(1.5f, int(b) - 8);
  std::memcpy(buffer.data_ptr<int8_t>(), codes.data(), numel);
  std::memcpy(buffer.data_ptr<int8_t>() + numel, scales.data(), blocks * sizeof(float));
  sgd.step();
  const float* p = param.data_ptr<float>();
  for (int64_t i = 0; i < numel; ++i) {
    ASSERT_EQ(p[i], -math::decode_q8_scaled(codes[i], scales[i / math::kQuantBlock]))
        << "code " << int(static_cast<uint8_t>(codes[i])) << ", block " << i / math::kQuantBlock;
  }
}

// The update pass encodes int8 state with vector code of its own (sixteen,
// eight and one at a time). SGD with momentum 1 from a zero buffer stores
// the grads themselves: each block's scale is its absmax, negated where no
// value is negative, and each code is math::encode_q8 of x / absmax. The
// values cover the map's small and normal codes, the halfway points between
// codes (exact where the absmax is a power of two), and values just beside
// them; the last block is cut short, so the narrower loops run too.
TEST(Int8Map, UpdatePassEncodesAsTheElementEncode) {
  const int64_t numel = optim::kStatePrecisionMinNumel + 200, blocks = math::quant_blocks(numel);
  std::vector<float> grads(numel);
  std::mt19937 random(5);
  for (int64_t b = 0; b < blocks; ++b) {
    const math::Q8Map& map = b % 2 ? math::kUnsignedQ8 : math::kSignedQ8;
    const float absmax = b % 4 < 2 ? std::ldexp(1.0f, int(b) - 8) : 0.37f * float(b + 1);
    const int64_t first = b * math::kQuantBlock, end = std::min(numel, first + math::kQuantBlock);
    for (int64_t i = first; i < end; ++i) {
      const int code = int(random() % uint32_t(map.top));  // a magnitude below 1.0, and its next one up
      const float low = math::decode_q8(static_cast<int8_t>(code), map);
      const float high = math::decode_q8(static_cast<int8_t>(code + 1), map);
      float r = 0.5f * (low + high);
      if (i % 3 == 1) r = std::nextafter(r, 0.0f);
      if (i % 3 == 2) r = std::nextafter(r, 2.0f);
      if (i % 7 == 0) r = std::ldexp(float(random() % 1000 + 1) / 1000.0f, -int(random() % 40));
      grads[i] = (map.top == 120 && b % 4 == 0 && random() % 2 ? -r : r) * absmax;
    }
    // The absmax, and in the other signed blocks one negative value, each
    // somewhere else in each block: the vector loops keep lanes apart.
    grads[first + (b * 53) % (end - first)] = (b % 4 == 0 ? -1.0f : 1.0f) * absmax;
    if (b % 4 == 2) grads[first + (b * 29 + 16) % (end - first)] *= -1.0f;
  }
  at::Tensor param = at::zeros({numel}).set_requires_grad(true);
  param.mutable_grad() = at::zeros({numel});
  optim::SGD sgd({param}, optim::SGDOptions(1.0).momentum(1.0).state_precision(StatePrecision::int8));
  sgd.step();  // a zero momentum buffer
  param.mutable_grad() = at::tensor(grads);
  sgd.step();
  const at::Tensor& buffer = static_cast<optim::SGDParamState*>(sgd.state_of(param))->slot(0);
  const auto* codes = buffer.data_ptr<int8_t>();
  const auto* scales = reinterpret_cast<const float*>(codes + blocks * math::kQuantBlock);
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t first = b * math::kQuantBlock, end = std::min(numel, first + math::kQuantBlock);
    float absmax = 0;
    bool any_negative = false;
    for (int64_t i = first; i < end; ++i) {
      absmax = std::max(absmax, std::fabs(grads[i]));
      any_negative = any_negative || std::signbit(grads[i]);
    }
    ASSERT_EQ(scales[b], any_negative ? absmax : -absmax) << "block " << b;
    const math::Q8Map& map = any_negative ? math::kSignedQ8 : math::kUnsignedQ8;
    for (int64_t i = first; i < end; ++i) {
      ASSERT_EQ(codes[i], math::encode_q8(grads[i] * (1.0f / absmax), map)) << "element " << i << ", x " << grads[i];
    }
  }
}

// Per element, the error is within the map's bound: 1/16 of |x| from the
// map's smallest normal up (2^-14 of the block's absmax signed, 2^-30
// unsigned), half a step below it (2^-18 or 2^-34 of the absmax).
TEST(Int8Map, ErrorWithinTheMapsBound) {
  at::manual_seed(3);
  // Values over eight orders of magnitude, as Adam's second moment has.
  const at::Tensor spread = at::pow(10.0, at::rand({4096}) * 8 - 6);
  const at::Tensor param = at::zeros({4096});
  for (const bool is_signed : {true, false}) {
    const at::Tensor x = is_signed ? at::randn({4096}) * spread : at::randn({4096}).square() * spread;
    const at::Tensor back = optim::decode_state(optim::encode_state(x, StatePrecision::int8, param), param);
    const at::Tensor absmax = x.abs().reshape({16, 256}).amax(1, true).expand({16, 256}).reshape({4096});
    const double floor = std::ldexp(1.0, is_signed ? -18 : -34);
    // (1 + 1e-6): the float rounding of x / absmax.
    const at::Tensor bound = at::maximum(x.abs() / 16, absmax * floor) * (1 + 1e-6);
    EXPECT_EQ(((back - x).abs() > bound).sum().item<int64_t>(), 0) << (is_signed ? "signed" : "unsigned");
    EXPECT_GT(((back - x).abs() / bound).max().item<double>(), 0.5) << "the bound should be reached, not loose";
  }
}

// Kahan summation: over 1,000 steps whose updates (about 1e-3) are below
// half of bfloat16's resolution at the params (2^-7 in [1, 2)), plain
// bfloat16 params stall and Kahan-compensated ones follow the float32
// trajectory. The loss is linear with noisy gradients (each step's drawn
// from [-1.5, -0.5] by the same seed), so that the three runs see the same
// gradients and differ only in how the updates are added. Measured on the
// displacement, with p + compensation (the sum Kahan keeps), and p alone
// within one bfloat16 step. (The buffer is bfloat16 too: it holds the
// residual to 2^-9 of itself, so updates far smaller than here, 1e-4,
// are summed to about 10%: docs/low-memory.md.)
TEST(Kahan, TracksFloat32WherePlainBFloat16Stalls) {
  at::manual_seed(11);
  const at::Tensor start = (at::rand({8192}) + 1.0).to(at::kBFloat16).to(at::kFloat);
  auto run = [&](at::ScalarType dtype, Compensation compensation, at::Tensor* comp) {
    at::Tensor p = start.to(dtype).detach().clone().set_requires_grad(true);
    optim::SGD sgd({p}, optim::SGDOptions(1e-3).compensation(compensation));
    for (int s = 0; s < 1000; ++s) {
      at::manual_seed(1000 + s);
      p.mutable_grad() = (at::rand({8192}) - 1.5).to(at::kBFloat16).to(dtype);
      sgd.step();
    }
    if (comp) *comp = sgd.compensation(p).to(at::kFloat);
    return p.detach().to(at::kFloat);
  };
  const at::Tensor exact = run(at::kFloat, Compensation::none, nullptr);
  const at::Tensor plain = run(at::kBFloat16, Compensation::none, nullptr);
  at::Tensor comp;
  const at::Tensor kahan = run(at::kBFloat16, Compensation::kahan, &comp);
  const at::Tensor moved = (exact - start).abs();
  EXPECT_GT(moved.min().item<double>(), 0.9);
  const double plain_error = ((plain - exact).abs() / moved).max().item<double>();
  const double kahan_error = (((kahan + comp) - exact).abs() / moved).max().item<double>();
  EXPECT_TRUE(at::equal(plain, start)) << "plain bfloat16 does not move at all";
  EXPECT_GT(plain_error, 0.99);
  EXPECT_LT(kahan_error, 1e-3) << "relative error of the displacement";
  EXPECT_LE((kahan - exact).abs().max().item<double>(), std::ldexp(1.0, -6)) << "p within one bfloat16 step";
  std::cout << "displacement error: Kahan " << kahan_error << ", plain " << plain_error << "\n";
}

// Stochastic rounding is unbiased: 200,000 elements at 1 - 0.0012 (between
// bfloat16's 0.99609375 and 1) round to either neighbour, and their mean is
// the float value within 5 standard errors.
TEST(StochasticRounding, MeanIsTheFloatValue) {
  const int64_t n = 200000;
  at::Tensor p = at::ones({n}, at::kBFloat16).set_requires_grad(true);
  optim::SGD sgd({p}, optim::SGDOptions(1e-3).compensation(Compensation::stochastic_rounding).rounding_seed(99));
  p.mutable_grad() = at::full({n}, 1.203125, at::kBFloat16);
  sgd.step();
  const double x = double(1.0f - 1e-3f * 1.203125f), lo = 0.99609375, hi = 1.0;
  const double q = (x - lo) / (hi - lo);
  const at::Tensor values = p.detach().to(at::kDouble);
  const double standard_error = (hi - lo) * std::sqrt(q * (1 - q) / double(n));
  EXPECT_LT(std::abs(values.mean().item<double>() - x), 5 * standard_error);
  EXPECT_TRUE(((values == lo) | (values == hi)).all().item<bool>());
  // Nearest rounding would give 1 everywhere.
  EXPECT_GT((values == lo).sum().item<int64_t>(), n / 4);
}

// Element i of the param at place t in the step, at the group's step s,
// takes word i % 4 of math::rounding_words(seed, s, t, i - i % 4): for
// bfloat16, math::bf16_stochastic_bits; for float16, the neighbour
// math::stochastic_choice picks with that word's uniform.
uint16_t stochastic_reference(float x, uint32_t word, at::ScalarType dtype) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  if (dtype == at::kBFloat16) return math::bf16_stochastic_bits(u, word);
  const c10::Half nearest(x);
  const float n = float(nearest);
  if (n == x || !std::isfinite(n)) return nearest.x;
  c10::Half other;
  other.x = static_cast<uint16_t>(std::fabs(n) > std::fabs(x) ? nearest.x - 1 : nearest.x + 1);
  const float o = float(other);
  const bool inward = std::fabs(n) < std::fabs(x);
  const float chosen = math::stochastic_choice(x, inward ? n : o, inward ? o : n, float(word >> 8) * 0x1p-24f);
  return chosen == n ? nearest.x : other.x;
}

// Bit for bit that rule of gradus/optim/state_codec.h, which the CUDA
// kernels follow too. On 2 threads, so that a thread's range starts inside
// a quad; 77 elements end inside one. Some steps are exact (grad 0), and
// some float16 ones near and past the largest finite value.
TEST(StochasticRounding, BitsFollowThePhiloxRule) {
  const int before = at::get_num_threads();
  at::set_num_threads(2);
  for (const auto dtype : {at::kBFloat16, at::kHalf}) {
    at::manual_seed(2);
    const int64_t seed = 0x123456789;
    std::vector<at::Tensor> params = {at::randn({600003}).to(dtype).set_requires_grad(true),
                                      at::randn({77}).to(dtype).set_requires_grad(true)};
    params[1].detach().narrow(0, 0, 8).fill_(dtype == at::kHalf ? 65504.0 : 1e38);
    optim::SGD sgd(params, optim::SGDOptions(1.0).compensation(Compensation::stochastic_rounding).rounding_seed(seed));
    for (uint32_t step = 0; step < 2; ++step) {
      std::vector<at::Tensor> want;
      for (size_t t = 0; t < params.size(); ++t) {
        at::Tensor g = at::randn(params[t].sizes()) * 1e-2;
        g.narrow(0, 0, 16).copy_(at::tensor({-10.f, -20.f, 0.f, 10.f, -1.f, -40.f, 0.f, 1e-3f, 0.f, 0.f, 1.f, -1.f, 5.f, 0.f, -5.f, 0.f}));
        params[t].mutable_grad() = g.to(dtype);
        // lr 1: the float step p - g, rounded once however it is computed.
        const at::Tensor x = (params[t].detach().to(at::kFloat) - params[t].grad().to(at::kFloat)).contiguous();
        at::Tensor w = at::empty(x.sizes(), dtype);
        auto* bits = static_cast<uint16_t*>(w.data_ptr());
        const float* xs = x.data_ptr<float>();
        for (int64_t i = 0; i < x.numel(); ++i) {
          const math::Philox4 words = math::rounding_words(uint64_t(seed), step, uint32_t(t), i - i % 4);
          bits[i] = stochastic_reference(xs[i], words.v[i % 4], dtype);
        }
        want.push_back(w);
      }
      sgd.step();
      for (size_t t = 0; t < params.size(); ++t) {
        EXPECT_TRUE(at::equal(params[t].detach(), want[t])) << dtype << ", step " << step << ", params[" << t << "]";
      }
    }
  }
  at::set_num_threads(before);
}

// The random bits are a function of the seed, the group's step, the
// param's place in the step and the element: the same on 1 and 2 threads,
// other bits with another seed.
TEST(StochasticRounding, SameBitsOnOneAndTwoThreads) {
  auto run = [](int threads, int64_t seed) {
    const int before = at::get_num_threads();
    at::set_num_threads(threads);
    at::manual_seed(5);
    at::Tensor p = at::randn({600000}).to(at::kBFloat16).set_requires_grad(true);  // above the parallel threshold
    optim::Adam adam({p}, optim::AdamOptions(1e-3).compensation(Compensation::stochastic_rounding).rounding_seed(seed));
    for (int s = 0; s < 3; ++s) {
      p.mutable_grad() = p.detach().to(at::kFloat).sin().to(at::kBFloat16);
      adam.step();
    }
    at::set_num_threads(before);
    return p.detach();
  };
  const at::Tensor one = run(1, 42), two = run(2, 42), other = run(2, 43);
  EXPECT_TRUE(at::equal(one, two));
  EXPECT_FALSE(at::equal(one, other));
}

// Save after 5 steps, load into a new optimizer, go on: the same bits as
// the unbroken run, in every state precision and compensation.
class Resume : public ::testing::TestWithParam<std::tuple<StatePrecision, Compensation>> {};

TEST_P(Resume, IsBitIdentical) {
  const StatePrecision precision = std::get<0>(GetParam());
  const Compensation compensation = std::get<1>(GetParam());
  const at::ScalarType dtype = compensation == Compensation::none ? at::kFloat : at::kBFloat16;
  const auto options =
      optim::AdamOptions(1e-2).state_precision(precision).compensation(compensation).rounding_seed(7);
  std::vector<at::Tensor> unbroken = start_params(dtype), resumed = clones(unbroken);
  const auto targets = targets_for(unbroken);
  optim::Adam a(unbroken, options), first(resumed, options);
  for (int s = 0; s < 5; ++s) {
    set_grads(unbroken, targets);
    a.step();
    set_grads(resumed, targets);
    first.step();
  }
  optim::Adam second(resumed, options);
  load_bytes(second, saved_bytes(first));
  for (int s = 0; s < 5; ++s) {
    set_grads(unbroken, targets);
    a.step();
    set_grads(resumed, targets);
    second.step();
  }
  for (size_t i = 0; i < unbroken.size(); ++i) EXPECT_TRUE(at::equal(unbroken[i], resumed[i])) << "param " << i;
  EXPECT_EQ(saved_bytes(a), saved_bytes(second));
}

INSTANTIATE_TEST_SUITE_P(LowMemory, Resume,
                         ::testing::Combine(::testing::Values(StatePrecision::float32, StatePrecision::bfloat16,
                                                              StatePrecision::int8),
                                            ::testing::Values(Compensation::none, Compensation::kahan,
                                                              Compensation::stochastic_rounding)),
                         [](const ::testing::TestParamInfo<std::tuple<StatePrecision, Compensation>>& info) {
                           return std::string(optim::to_string(std::get<0>(info.param))) + "_" +
                                  optim::to_string(std::get<1>(info.param));
                         });

// An Adam with `precision` state, stepped 3 times.
std::unique_ptr<optim::Adam> stepped_adam(StatePrecision precision, std::vector<at::Tensor>& params) {
  params = start_params();
  const auto targets = targets_for(params);
  auto adam = std::make_unique<optim::Adam>(params, optim::AdamOptions(1e-2).state_precision(precision));
  for (int s = 0; s < 3; ++s) {
    set_grads(params, targets);
    adam->step();
  }
  return adam;
}

// The file's state in another precision: refused by load(), naming both,
// with nothing changed; converted by load_converting() (the values decoded
// and encoded again), both ways.
TEST(Checkpoint, AnotherPrecisionIsRefusedByLoadAndConvertedByLoadConverting) {
  const std::vector<std::pair<StatePrecision, StatePrecision>> pairs = {
      {StatePrecision::float32, StatePrecision::int8},
      {StatePrecision::int8, StatePrecision::float32},
      {StatePrecision::bfloat16, StatePrecision::int8}};
  for (const auto& [from, to] : pairs) {
    std::vector<at::Tensor> params;
    const auto saved = stepped_adam(from, params);
    const std::string file = saved_bytes(*saved);
    optim::Adam loading(params, optim::AdamOptions(1e-2).state_precision(to));
    const std::string before = saved_bytes(loading);
    expect_error([&] { load_bytes(loading, file); },
                 {std::string("in ") + optim::to_string(from), std::string("keeps ") + optim::to_string(to),
                  "load_converting"});
    EXPECT_EQ(saved_bytes(loading), before);
    std::istringstream in(file);
    torch::serialize::InputArchive archive;
    archive.load_from(in);
    loading.load_converting(archive);
    const at::Tensor& converted = loading.exp_avg(params[0]);
    EXPECT_EQ(optim::precision_of(converted, params[0]), to);
    const at::Tensor expected =
        optim::encode_state(optim::decode_state(saved->exp_avg(params[0]), params[0]), to, params[0]);
    EXPECT_TRUE(at::equal(converted, expected));
    // The small param keeps float32 state either way.
    EXPECT_EQ(loading.exp_avg(params[1]).scalar_type(), at::kFloat);
  }
}

// A truncated file and an int8 state whose block scale is NaN are refused,
// naming what is wrong, and change nothing.
TEST(Checkpoint, TruncatedFileAndNanScaleAreRefused) {
  std::vector<at::Tensor> params;
  const auto saved = stepped_adam(StatePrecision::int8, params);
  const std::string file = saved_bytes(*saved);
  optim::Adam loading(params, optim::AdamOptions(1e-2).state_precision(StatePrecision::int8));
  const std::string before = saved_bytes(loading);
  EXPECT_THROW(load_bytes(loading, file.substr(0, file.size() / 2)), c10::Error);
  EXPECT_EQ(saved_bytes(loading), before);
  // The scale of block 3 of param 0's exp_avg: after the 8192 codes.
  at::Tensor exp_avg = saved->exp_avg(params[0]);
  exp_avg.narrow(0, 8192, 32 * 4).view(at::kFloat)[3] = std::nanf("");
  expect_error([&] { load_bytes(loading, saved_bytes(*saved)); }, {"exp_avgs", "scale of block 3", "nan"});
  EXPECT_EQ(saved_bytes(loading), before);
}

// Bad options and params are refused before anything moves.
TEST(BadInput, RefusedNamingTheValueWithNothingChanged) {
  // int8 state on a 0-dim param (let in by a threshold of 0).
  at::Tensor scalar = at::scalar_tensor(1.0).set_requires_grad(true);
  optim::Adam adam({scalar}, optim::AdamOptions(1e-2).state_precision(StatePrecision::int8).state_precision_min_numel(0));
  scalar.mutable_grad() = at::scalar_tensor(0.5);
  expect_error([&] { adam.step(); }, {"int8 state", "0-dim"});
  EXPECT_EQ(scalar.item<float>(), 1.0f);
  EXPECT_EQ(adam.state_of(scalar), nullptr);
  // Compensation with float32 params, in a second group: the first does not move.
  at::Tensor half = at::ones({8}, at::kBFloat16).set_requires_grad(true);
  at::Tensor single = at::ones({8}).set_requires_grad(true);
  optim::SGD sgd({optim::OptimizerParamGroup({half}), optim::OptimizerParamGroup({single})},
                 optim::SGDOptions(0.1).compensation(Compensation::kahan));
  half.mutable_grad() = at::ones({8}, at::kBFloat16);
  single.mutable_grad() = at::ones({8});
  expect_error([&] { sgd.step(); }, {"compensation kahan", "float16 and bfloat16", "Float"});
  EXPECT_TRUE(at::equal(half, at::ones({8}, at::kBFloat16)));
  // Low-precision state for double params.
  at::Tensor d = at::ones({5000}, at::kDouble).set_requires_grad(true);
  optim::Adam dadam({d}, optim::AdamOptions(1e-2).state_precision(StatePrecision::bfloat16));
  d.mutable_grad() = at::ones({5000}, at::kDouble);
  expect_error([&] { dadam.step(); }, {"state_precision bfloat16", "Double"});
  // Optimizers without the options, and bad values.
  at::Tensor w = at::ones({4, 4}).set_requires_grad(true);
  expect_error([&] { optim::Adafactor({w}, optim::AdafactorOptions().state_precision(StatePrecision::int8)); },
               {"state_precision int8", "not available"});
  expect_error(
      [&] {
        optim::AdamWScheduleFree sf({w}, optim::AdamWScheduleFreeOptions().compensation(Compensation::kahan));
        sf.train();
        w.mutable_grad() = at::ones({4, 4});
        sf.step();
      },
      {"compensation kahan", "not available"});
  expect_error([&] { optim::Adam({w}, optim::AdamOptions().state_precision_min_numel(-1)); },
               {"state_precision_min_numel", "-1"});
  expect_error([&] { optim::Adam({w}, optim::AdamOptions().rounding_seed(-5)); }, {"rounding_seed", "-5"});
  expect_error([&] { optim::state_precision_from_string("int4"); }, {"int4", "float32, bfloat16, int8"});
  expect_error([&] { optim::compensation_from_string("sr"); }, {"'sr'", "stochastic_rounding"});
}

}  // namespace
}  // namespace testing
}  // namespace gradus
