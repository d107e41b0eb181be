// The allocator's own ln and 1 - e^-x (libhakmem.so links no libm): against the C
// library's, over the ranges the sampler and the tuner use and beyond.
#include "alloc/src/mathx.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace hak {
namespace {

TEST(Mathx, LnMatchesTheCLibrary) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-300, 300), mantissa(1, 10);
  for (int i = 0; i < 200000; ++i) {
    double x = mantissa(rng) * std::pow(10.0, exponent(rng));
    double want = std::log(x);
    EXPECT_NEAR(ln(x), want, 1e-12 * std::fabs(want) + 1e-15) << x;
  }
  // The sampler's inputs: (k + 0.5) / 2^53 for 53-bit k, down to the smallest.
  for (double u : {0.5 / 9007199254740992.0, 1e-10, 0.25, 0.5, 0.7071067811865476, 0.9999999})
    EXPECT_NEAR(ln(u), std::log(u), 1e-12 * std::fabs(std::log(u)) + 1e-15) << u;
  EXPECT_EQ(ln(1.0), 0.0);
}

TEST(Mathx, OneMinusExpNegMatchesExpm1) {
  for (double x = 0; x < 60; x += 0.00137) {
    double want = -std::expm1(-x);
    EXPECT_NEAR(one_minus_exp_neg(x), want, 1e-9 * want + 1e-300) << x;
  }
  for (double x : {1e-12, 1e-6, 0.001953125, 0.49999, 0.5, 0.50001})  // small: no cancellation
    EXPECT_NEAR(one_minus_exp_neg(x), -std::expm1(-x), 1e-12 * -std::expm1(-x)) << x;
  EXPECT_EQ(one_minus_exp_neg(0), 0.0);
}

TEST(Mathx, SqrtOfPositivesAndZeroForTheRest) {
  EXPECT_EQ(sqrt_pos(16), 4.0);
  EXPECT_EQ(sqrt_pos(0), 0.0);
  EXPECT_EQ(sqrt_pos(-1), 0.0);
}

}  // namespace
}  // namespace hak
