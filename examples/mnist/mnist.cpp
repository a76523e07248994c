// Train a small CNN on MNIST with gradus: AdamW and a warm-up + cosine
// schedule, a checkpoint half-way, and a resumed second half.
//
//   mnist DATA_DIR [STEPS] [CHECKPOINT]
//
// DATA_DIR holds the four raw IDX files (train-images-idx3-ubyte, ...), as
// LibTorch's own torch::data::datasets::MNIST reads them. STEPS (default
// 600) optimizer steps of 64 images; CHECKPOINT (default mnist-checkpoint.pt)
// is written after the first half and read back for the second.
#include <gradus/optim/adamw.h>
#include <gradus/schedulers/warmup_cosine.h>
#include <torch/torch.h>

#include <cstdio>
#include <iostream>
#include <string>

namespace {

using Batch = torch::data::Example<>;

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
// step counts, the schedule's position, and how many steps were done.
void save_checkpoint(const std::string& path, Net& net, gradus::optim::AdamW& optimizer,
                     gradus::schedulers::WarmupCosine& schedule, int64_t step) {
  torch::serialize::OutputArchive archive, model, opt, sched;
  net->save(model);
  optimizer.save(opt);
  schedule.save(sched);
  archive.write("model", model);
  archive.write("optimizer", opt);
  archive.write("schedule", sched);
  archive.write("step", torch::tensor(step));
  archive.save_to(path);
}

int64_t load_checkpoint(const std::string& path, Net& net, gradus::optim::AdamW& optimizer,
                        gradus::schedulers::WarmupCosine& schedule) {
  torch::serialize::InputArchive archive, model, opt, sched;
  archive.load_from(path);
  archive.read("model", model);
  archive.read("optimizer", opt);
  archive.read("schedule", sched);
  net->load(model);
  optimizer.load(opt);
  schedule.load(sched);
  torch::Tensor step;
  archive.read("step", step);
  return step.item<int64_t>();
}

// Trains from step `from` up to `to`, one batch per step, cycling the data.
template <typename Loader>
void train(Net& net, Loader& loader, gradus::optim::AdamW& optimizer, gradus::schedulers::WarmupCosine& schedule,
           int64_t from, int64_t to) {
  net->train();
  int64_t step = from;
  while (step < to) {
    for (Batch& batch : *loader) {
      if (step == to) break;
      optimizer.zero_grad();
      torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(batch.data), batch.target);
      loss.backward();
      optimizer.step();
      schedule.step();
      if (++step % 100 == 0) {
        std::printf("step %lld: loss %.4f, lr %.2e\n", static_cast<long long>(step), loss.item<double>(),
                    optimizer.param_groups()[0].options().get_lr());
      }
    }
  }
}

double test_accuracy(Net& net, const std::string& dir) {
  torch::NoGradGuard no_grad;
  net->eval();
  auto loader = torch::data::make_data_loader(mnist(dir, torch::data::datasets::MNIST::Mode::kTest),
                                              torch::data::DataLoaderOptions().batch_size(1000));
  int64_t correct = 0, total = 0;
  for (Batch& batch : *loader) {
    correct += net->forward(batch.data).argmax(1).eq(batch.target).sum().item<int64_t>();
    total += batch.target.size(0);
  }
  return double(correct) / double(total);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: mnist DATA_DIR [STEPS] [CHECKPOINT]\n";
    return 2;
  }
  const std::string dir = argv[1];
  const int64_t steps = argc > 2 ? std::stoll(argv[2]) : 600;
  const std::string checkpoint = argc > 3 ? argv[3] : "mnist-checkpoint.pt";
  try {
    torch::manual_seed(1);
    torch::set_num_threads(2);  // LibTorch starts with one intra-op thread
    auto loader = torch::data::make_data_loader<torch::data::samplers::RandomSampler>(
        mnist(dir, torch::data::datasets::MNIST::Mode::kTrain), torch::data::DataLoaderOptions().batch_size(64));
    // First half, then a checkpoint.
    Net net;
    gradus::optim::AdamW optimizer(net->parameters(), gradus::optim::AdamWOptions(2e-3).weight_decay(0.01));
    gradus::schedulers::WarmupCosine schedule(optimizer, gradus::schedulers::WarmupCosineOptions(steps / 10, steps));
    train(net, loader, optimizer, schedule, 0, steps / 2);
    save_checkpoint(checkpoint, net, optimizer, schedule, steps / 2);
    std::printf("checkpoint written to %s after %lld steps\n", checkpoint.c_str(), static_cast<long long>(steps / 2));

    // A new model, optimizer and schedule, as a new process would make them,
    // resumed from the checkpoint for the second half.
    Net resumed;
    gradus::optim::AdamW resumed_optimizer(resumed->parameters(), gradus::optim::AdamWOptions(2e-3).weight_decay(0.01));
    gradus::schedulers::WarmupCosine resumed_schedule(resumed_optimizer,
                                                      gradus::schedulers::WarmupCosineOptions(steps / 10, steps));
    const int64_t done = load_checkpoint(checkpoint, resumed, resumed_optimizer, resumed_schedule);
    std::printf("resumed at step %lld, lr %.2e\n", static_cast<long long>(done),
                resumed_optimizer.param_groups()[0].options().get_lr());
    train(resumed, loader, resumed_optimizer, resumed_schedule, done, steps);
    std::printf("test accuracy %.2f%% after %lld steps\n", 100 * test_accuracy(resumed, dir),
                static_cast<long long>(steps));
  } catch (const c10::Error& e) {
    std::cerr << "error: " << e.what_without_backtrace() << "\n";
    return 1;
  }
  return 0;
}
