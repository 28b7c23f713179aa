#pragma once

#include "core/values/tensorstats.h"

#include <QTest>

#include <cstring>
#include <functional>
#include <thread>

namespace safescope::test {

/// Statistics must not depend on which chunks each worker happened to take: `compute` once, then four rounds of
/// two computations at once (so the workers share the chunks differently), each with the first's mean and std to
/// the last bit and the same histogram. A QVERIFY helper: callers return when QTest::currentTestFailed().
inline void verifySameOnEveryRun(const std::function<Result<TensorStats>()>& compute)
{
    const Result<TensorStats> first = compute();
    QVERIFY(first.ok());
    for (int round = 0; round < 4; ++round) {
        Result<TensorStats> other = makeError(ErrorKind::IoError, {});
        std::thread concurrent([&] { other = compute(); });
        Result<TensorStats> again = compute();
        concurrent.join();
        for (const Result<TensorStats>* stats : {&again, &other}) {
            QVERIFY(stats->ok());
            QCOMPARE(std::memcmp(&(*stats)->mean, &first->mean, sizeof(double)), 0);
            QCOMPARE(std::memcmp(&(*stats)->std, &first->std, sizeof(double)), 0);
            QCOMPARE((*stats)->histogram.counts, first->histogram.counts);
        }
    }
}

} // namespace safescope::test
