// The UCB1 bandit on known rewards: scores, convergence, hysteresis and cooldown.
#include "alloc/src/tuner.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace hak {
namespace {

TEST(Bandit, ArmsAndPoliciesRoundTrip) {
  for (unsigned a = 0; a < kArms; ++a) EXPECT_EQ(arm_of(policy_of_arm(a)), a);
  EXPECT_EQ(threshold_of(Policy{0, 0, 0, 0}), 64u * 1024);
  EXPECT_EQ(threshold_of(Policy{5, 0, 0, 0}), 2u * 1024 * 1024);
  EXPECT_EQ(threshold_of(Policy{kSteps - 1, 0, 0, 0}), 8u * 1024 * 1024);
  EXPECT_EQ(threshold_of(kDefaultPolicy), 8u * 1024 * 1024);
  unsigned out[6];
  unsigned n = Bandit::neighbours(arm_of(Policy{0, 0, 0, 0}), true, out);
  EXPECT_EQ(n, 5u);  // itself, step+1, and three flags flipped (no step-1 at the bottom)
  n = Bandit::neighbours(arm_of(Policy{3, 1, 0, 0}), false, out);
  EXPECT_EQ(n, 5u);  // itself, step-1, step+1, bigcache, prefault (THP not explored)
  for (unsigned i = 0; i < n; ++i) EXPECT_EQ(policy_of_arm(out[i]).thp, 0);
}

TEST(Bandit, UntriedArmsFirstThenUcb1Scores) {
  TunerSettings s;
  Bandit b;
  unsigned start = arm_of(kDefaultPolicy);
  b.reset(start, 1);
  unsigned cand[6];
  unsigned n = Bandit::neighbours(start, s.allow_thp, cand);
  // Each candidate once, in order: the committed arm, then its neighbours.
  for (unsigned i = 0; i < n; ++i) {
    unsigned a = b.choose(s);
    EXPECT_EQ(a, cand[i]);
    b.update(a, 0.1 * (i + 1), s);
  }
  // Then UCB1: mean + sqrt(c ln N / n).
  double N = n;
  for (unsigned i = 0; i < n; ++i)
    EXPECT_NEAR(b.score(cand[i], s), 0.1 * (i + 1) + std::sqrt(2.0 * std::log(N) / 1.0), 1e-12);
  EXPECT_EQ(b.choose(s), cand[n - 1]);  // the best mean, all else equal
  b.update(cand[n - 1], 0.0, s);        // its mean halves
  EXPECT_NEAR(b.arm(cand[n - 1]).mean, 0.1 * n / 2, 1e-12);
  EXPECT_NEAR(b.score(cand[0], s), 0.1 + std::sqrt(2.0 * std::log(N + 1) / 1.0), 1e-12);
}

// A neighbour known (tried twice) to be far dearer than the committed arm is not explored
// again while that holds; with prune=0, plain UCB1 keeps re-checking it.
TEST(Bandit, ArmsFarDearerThanTheCommittedOneAreNotExploredAgain) {
  for (double prune : {0.25, 0.0}) {
    TunerSettings s;
    s.prune = prune;
    Bandit b;
    unsigned start = arm_of(kDefaultPolicy);
    b.reset(start, 7);
    unsigned cand[6];
    unsigned n = Bandit::neighbours(start, s.allow_thp, cand);
    unsigned bad = cand[1];
    auto reward = [&](unsigned a) { return a == bad ? 0.05 : 0.8; };
    int bad_trials = 0;
    for (int epoch = 0; epoch < 2000; ++epoch) {
      unsigned a = b.choose(s);
      bad_trials += a == bad;
      b.update(a, reward(a), s);
    }
    ASSERT_EQ(b.committed(), start);  // no neighbour is better by the margin
    if (prune > 0)
      EXPECT_EQ(bad_trials, 2) << "tried once untried, once more by UCB1, then never";
    else
      EXPECT_GT(bad_trials, 10) << "plain UCB1 re-checks it about 2 ln N / gap^2 times";
    (void)n;
  }
}

// A synthetic cost landscape: best at threshold step 1 with BigCache on.
double reward(unsigned arm, std::mt19937& rng) {
  Policy p = policy_of_arm(arm);
  double r = 0.4 - 0.1 * std::abs(static_cast<int>(p.step) - 1) + (p.bigcache ? 0.3 : 0) -
             (p.thp ? 0.05 : 0) - (p.prefault ? 0.1 : 0);
  std::normal_distribution<double> noise(0, 0.05);
  return std::clamp(r + noise(rng), 0.0, 1.0);
}

TEST(Bandit, ConvergesToTheBestArmOfANoisyReward) {
  TunerSettings s;
  s.cooldown = 4;
  unsigned best = arm_of(Policy{1, 1, 0, 0});
  int converged = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    Bandit b;
    b.reset(arm_of(kDefaultPolicy), seed);
    int epoch = 0;
    for (; epoch < 400 && b.committed() != best; ++epoch) {
      unsigned a = b.choose(s);
      b.update(a, reward(a, rng), s);
    }
    // Four steps from the default (step 5 -> 1; BigCache is on in both): within 400 epochs.
    converged += b.committed() == best;
    EXPECT_EQ(b.committed(), best) << "seed " << seed << " after " << epoch << " epochs";
    // Once there, it stays: the committed arm does not move on noise.
    for (int i = 0; i < 200; ++i) {
      unsigned a = b.choose(s);
      b.update(a, reward(a, rng), s);
    }
    EXPECT_EQ(b.committed(), best) << "seed " << seed << " drifted";
  }
  EXPECT_EQ(converged, 20);
}

TEST(Bandit, SameSeedSameChoices) {
  TunerSettings s;
  auto run = [&](uint64_t seed) {
    std::mt19937 rng(7);
    Bandit b;
    b.reset(arm_of(kDefaultPolicy), seed);
    std::vector<unsigned> picks;
    for (int i = 0; i < 200; ++i) {
      unsigned a = b.choose(s);
      picks.push_back(a);
      b.update(a, reward(a, rng), s);
    }
    return picks;
  };
  EXPECT_EQ(run(42), run(42));
}

// Drives the bandit with fixed rewards: `better` for one neighbour, 0.5 for the rest.
struct Fixed {
  TunerSettings s;
  Bandit b;
  unsigned start = arm_of(kDefaultPolicy);
  unsigned other = arm_of(Policy{static_cast<uint8_t>(kDefaultPolicy.step - 1), 1, 0, 0});
  explicit Fixed(double better) : rewards_better(better) {
    s.cooldown = 5;
    b.reset(start, 3);
  }
  double rewards_better;
  void epoch(unsigned arm) { b.update(arm, arm == other ? rewards_better : 0.5, s); }
};

TEST(Bandit, HysteresisNeedsEightPercentThreeEpochsRunning) {
  Fixed small(0.5 * 1.05);  // 5 % better: never switch
  small.epoch(small.start);
  for (int i = 0; i < 50; ++i) small.epoch(small.other);
  EXPECT_EQ(small.b.committed(), small.start);

  Fixed big(0.5 * 1.10);  // 10 % better: switch on the third epoch running, not before
  big.epoch(big.start);
  big.epoch(big.other);
  EXPECT_EQ(big.b.committed(), big.start);
  big.epoch(big.other);
  EXPECT_EQ(big.b.committed(), big.start);
  big.epoch(big.other);
  EXPECT_EQ(big.b.committed(), big.other);
  EXPECT_EQ(big.b.switches(), 1u);
}

TEST(Bandit, CooldownBetweenSwitches) {
  TunerSettings s;
  s.cooldown = 10;
  Bandit b;
  unsigned a0 = arm_of(Policy{4, 0, 0, 0}), a1 = arm_of(Policy{4, 1, 0, 0}),
           a2 = arm_of(Policy{3, 1, 0, 0});
  b.reset(a0, 5);
  b.update(a0, 0.3, s);
  for (int i = 0; i < 3; ++i) b.update(a1, 0.6, s);
  ASSERT_EQ(b.committed(), a1);
  // a2 is far better at once, but the cooldown holds the committed arm for 10 epochs.
  int epochs = 0;
  while (b.committed() == a1 && epochs < 50) {
    b.update(a2, 0.95, s);
    ++epochs;
  }
  EXPECT_EQ(b.committed(), a2);
  EXPECT_EQ(epochs, 11);
}

}  // namespace
}  // namespace hak
