// Writes the checkpoint fixtures of tests/golden/checkpoints/: for each
// gradus optimizer, its state after 5 steps on the test problem (two param
// groups), the params at that point, and the params after 5 more steps.
// optim_checkpoint_test loads the state into a fresh optimizer, steps it 5
// times and compares: a file written by an older gradus must still resume.
//
//   checkpoint_fixtures OUTDIR
//
// Only the public API is used, so the same program builds against any
// gradus; the committed files were written by the version named in
// tests/golden/checkpoints/README.md.
#include <gradus/gradus.h>
#include <torch/serialize.h>

#include <filesystem>
#include <iostream>
#include <string>

#include "support/checkpoint_cases.h"
#include "support/trajectory.h"

int main(int argc, char** argv) {
  using namespace gradus::testing;
  if (argc != 2) {
    std::cerr << "usage: checkpoint_fixtures OUTDIR\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  for (const CheckpointCase& c : checkpoint_cases()) {
    auto run = c.start();
    run.advance(kFixtureSteps, 0);
    torch::save(*run.optimizer, (dir / (c.file + ".pt")).string());
    torch::save(flatten(run.params), (dir / (c.file + ".params.pt")).string());
    run.advance(kFixtureSteps, kFixtureSteps);
    torch::save(flatten(run.params), (dir / (c.file + ".expected.pt")).string());
    std::cout << c.file << "\n";
  }
  return 0;
}
