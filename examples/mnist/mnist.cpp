// Train a small CNN on MNIST with gradus: AdamW and a warm-up + cosine
// schedule, a checkpoint half-way, and a resumed second half; with --amp,
// in mixed precision.
//
//   mnist DATA_DIR [STEPS] [CHECKPOINT] [--amp]
//
// DATA_DIR holds the four raw IDX files (train-images-idx3-ubyte, ...), as
// LibTorch's own torch::data::datasets::MNIST reads them. STEPS (default
// 600) optimizer steps of 64 images; CHECKPOINT (default mnist-checkpoint.pt)
// is written after the first half and read back for the second. --amp runs
// the forward passes under autocast (bfloat16 on the CPU, float16 with loss
// scaling on a GPU) and clips the gradients: the loop to copy.
#include <gradus/amp.h>
#include <gradus/clip_grad.h>
#include <gradus/optim/adamw.h>
#include <gradus/schedulers/warmup_cosine.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

namespace {

using Batch = torch::data::Example<>;

// Mixed precision: autocast's device and dtype, and the loss scaler (for
// float16 only: bfloat16 keeps float32's range).
struct Precision {
  bool amp = false;
  torch::Device device = torch::kCPU;
  torch::ScalarType dtype() const { return device.is_cuda() ? torch::kHalf : torch::kBFloat16; }
  gradus::amp::GradScaler scaler() const {
    return gradus::amp::GradScaler(gradus::amp::GradScalerOptions().enabled(amp && device.is_cuda()));
  }
};

// Two 5x5 conv + max-pool stages, then 1568-128-10.
struct NetImpl : torch::nn::Module {
  NetImpl()
      : conv1(register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 16, 5).padding(2)))),
        conv2(register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(16, 32, 5).padding(2)))),
        fc1(register_module("fc1", torch::nn::Linear(32 * 7 * 7, 128))),
        fc2(register_module("fc2", torch::nn::Linear(128, 10))) {}

  torch::Tensor forward(torch::Tensor x) {
    x = torch::max_pool2d(torch::relu(conv1(x)), 2);
    x = torch::max_pool2d(torch::relu(conv2(x)), 2);
    return fc2(torch::relu(fc1(x.flatten(1))));
  }

  torch::nn::Conv2d conv1, conv2;
  torch::nn::Linear fc1, fc2;
};
TORCH_MODULE(Net);

auto mnist(const std::string& dir, torch::data::datasets::MNIST::Mode mode) {
  return torch::data::datasets::MNIST(dir, mode)
      .map(torch::data::transforms::Normalize<>(0.1307, 0.3081))
      .map(torch::data::transforms::Stack<>());
}

// Everything a resumed run needs: the model, the optimizer's moments and
// step counts, the schedule's position, the loss scale and how many steps
// were done.
void save_checkpoint(const std::string& path, Net& net, gradus::optim::AdamW& optimizer,
                     gradus::schedulers::WarmupCosine& schedule, gradus::amp::GradScaler& scaler, int64_t step) {
  torch::serialize::OutputArchive archive, model, opt, sched, scale;
  net->save(model);
  optimizer.save(opt);
  schedule.save(sched);
  scaler.save(scale);
  archive.write("model", model);
  archive.write("optimizer", opt);
  archive.write("schedule", sched);
  archive.write("scaler", scale);
  archive.write("step", torch::tensor(step));
  archive.save_to(path);
}

int64_t load_checkpoint(const std::string& path, Net& net, gradus::optim::AdamW& optimizer,
                        gradus::schedulers::WarmupCosine& schedule, gradus::amp::GradScaler& scaler) {
  torch::serialize::InputArchive archive, model, opt, sched, scale;
  archive.load_from(path);
  archive.read("model", model);
  archive.read("optimizer", opt);
  archive.read("schedule", sched);
  archive.read("scaler", scale);
  net->load(model);
  optimizer.load(opt);
  schedule.load(sched);
  scaler.load(scale);
  torch::Tensor step;
  archive.read("step", step);
  return step.item<int64_t>();
}

// Trains from step `from` up to `to`, one batch per step, cycling the data.
template <typename Loader>
void train(Net& net, Loader& loader, gradus::optim::AdamW& optimizer, gradus::schedulers::WarmupCosine& schedule,
           gradus::amp::GradScaler& scaler, const Precision& precision, int64_t from, int64_t to) {
  net->train();
  int64_t step = from;
  while (step < to) {
    for (Batch& batch : *loader) {
      if (step == to) break;
      optimizer.zero_grad();
      torch::Tensor loss;
      {  // the forward pass in low precision where autocast deems it safe
        std::optional<gradus::amp::Autocast> autocast;
        if (precision.amp) autocast.emplace(precision.device.type(), precision.dtype());
        loss = torch::nn::functional::cross_entropy(net->forward(batch.data.to(precision.device)),
                                                    batch.target.to(precision.device));
      }
      scaler.scale(loss).backward();  // the loss times the scale; as is when the scaler is off
      scaler.unscale_(optimizer);     // so that clipping sees the true gradients
      gradus::clip_grad_norm_(net->parameters(), 1.0);
      scaler.step(optimizer);  // skipped if a gradient overflowed
      scaler.update();
      schedule.step();
      if (++step % 100 == 0) {
        std::printf("step %lld: loss %.4f, lr %.2e\n", static_cast<long long>(step), loss.item<double>(),
                    optimizer.param_groups()[0].options().get_lr());
      }
    }
  }
}

double test_accuracy(Net& net, const std::string& dir, const Precision& precision) {
  torch::NoGradGuard no_grad;
  std::optional<gradus::amp::Autocast> autocast;
  if (precision.amp) autocast.emplace(precision.device.type(), precision.dtype());
  net->eval();
  auto loader = torch::data::make_data_loader(mnist(dir, torch::data::datasets::MNIST::Mode::kTest),
                                              torch::data::DataLoaderOptions().batch_size(1000));
  int64_t correct = 0, total = 0;
  for (Batch& batch : *loader) {
    correct += net->forward(batch.data.to(precision.device)).argmax(1).eq(batch.target.to(precision.device))
                   .sum().item<int64_t>();
    total += batch.target.size(0);
  }
  return double(correct) / double(total);
}

}  // namespace

int main(int argc, char** argv) {
  Precision precision;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--amp") == 0) {
      precision.amp = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  if (args.empty()) {
    std::cerr << "usage: mnist DATA_DIR [STEPS] [CHECKPOINT] [--amp]\n";
    return 2;
  }
  const std::string dir = args[0];
  const int64_t steps = args.size() > 1 ? std::stoll(args[1]) : 600;
  const std::string checkpoint = args.size() > 2 ? args[2] : "mnist-checkpoint.pt";
  try {
    if (precision.amp && torch::cuda::is_available()) precision.device = torch::kCUDA;
    torch::manual_seed(1);
    torch::set_num_threads(2);  // LibTorch starts with one intra-op thread
    auto loader = torch::data::make_data_loader<torch::data::samplers::RandomSampler>(
        mnist(dir, torch::data::datasets::MNIST::Mode::kTrain), torch::data::DataLoaderOptions().batch_size(64));
    // First half, then a checkpoint.
    Net net;
    net->to(precision.device);
    gradus::optim::AdamW optimizer(net->parameters(), gradus::optim::AdamWOptions(2e-3).weight_decay(0.01));
    gradus::schedulers::WarmupCosine schedule(optimizer, gradus::schedulers::WarmupCosineOptions(steps / 10, steps));
    gradus::amp::GradScaler scaler = precision.scaler();
    train(net, loader, optimizer, schedule, scaler, precision, 0, steps / 2);
    save_checkpoint(checkpoint, net, optimizer, schedule, scaler, steps / 2);
    std::printf("checkpoint written to %s after %lld steps\n", checkpoint.c_str(), static_cast<long long>(steps / 2));

    // A new model, optimizer and schedule, as a new process would make them,
    // resumed from the checkpoint for the second half.
    Net resumed;
    resumed->to(precision.device);
    gradus::optim::AdamW resumed_optimizer(resumed->parameters(), gradus::optim::AdamWOptions(2e-3).weight_decay(0.01));
    gradus::schedulers::WarmupCosine resumed_schedule(resumed_optimizer,
                                                      gradus::schedulers::WarmupCosineOptions(steps / 10, steps));
    gradus::amp::GradScaler resumed_scaler = precision.scaler();
    const int64_t done = load_checkpoint(checkpoint, resumed, resumed_optimizer, resumed_schedule, resumed_scaler);
    std::printf("resumed at step %lld, lr %.2e\n", static_cast<long long>(done),
                resumed_optimizer.param_groups()[0].options().get_lr());
    train(resumed, loader, resumed_optimizer, resumed_schedule, resumed_scaler, precision, done, steps);
    std::printf("test accuracy %.2f%% after %lld steps%s\n", 100 * test_accuracy(resumed, dir, precision),
                static_cast<long long>(steps), precision.amp ? " (mixed precision)" : "");
  } catch (const c10::Error& e) {
    std::cerr << "error: " << e.what_without_backtrace() << "\n";
    return 1;
  }
  return 0;
}
