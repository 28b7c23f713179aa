// bench_stats FILE TENSOR: full statistics + 256-bin histogram of one tensor, next to a plain two-thread sum over
// the same bytes (the memory-bandwidth ceiling). run_values_bench.sh adds numpy, measured in the same run.
#include "benchutil.h"
#include "core/format/model.h"
#include "core/values/tensorstats.h"

#include <QCoreApplication>
#include <QFile>

#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

using namespace safescope;

namespace {

// The peer: the least work that reads every byte, on both cores, from its own fresh mapping.
uint64_t bandwidthSum(const unsigned char* data, uint64_t size)
{
    return bench::sumWordsOnAllCores(size / 8, [data](uint64_t begin, uint64_t end) {
        uint64_t a = 0, b = 0, c = 0, d = 0;
        uint64_t i = begin;
        for (; i + 4 <= end; i += 4) {
            uint64_t w[4];
            std::memcpy(w, data + 8 * i, sizeof w);
            a += w[0];
            b += w[1];
            c += w[2];
            d += w[3];
        }
        for (; i < end; ++i) {
            uint64_t w;
            std::memcpy(&w, data + 8 * i, sizeof w);
            a += w;
        }
        return a + b + c + d;
    });
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_stats FILE TENSOR\n");
        return 2;
    }
    const QString path = QString::fromLocal8Bit(argv[1]);

    QFile raw(path);
    if (!raw.open(QIODevice::ReadOnly))
        return 2;
    const uint64_t fileSize = static_cast<uint64_t>(raw.size());
    const unsigned char* mapped = raw.map(0, raw.size());
    volatile uint64_t sink = 0;
    const double peerFirst = bench::bestOfMs(1, [&] { sink = sink + bandwidthSum(mapped, fileSize); });
    const double peerBest = bench::bestOfMs(3, [&] { sink = sink + bandwidthSum(mapped, fileSize); });

    auto opened = Model::open(path);
    if (!opened) {
        std::fprintf(stderr, "%s\n", qPrintable(opened.error().describe()));
        return 2;
    }
    const Model& model = **opened;
    const auto index = model.find(argv[2]);
    if (!index) {
        std::fprintf(stderr, "no tensor %s\n", argv[2]);
        return 2;
    }
    const TensorView view = viewOf(model, *index);
    const std::atomic_bool cancel{false};
    StatsOptions options;
    TensorStats stats;
    auto run = [&] {
        auto result = computeStats(view, options, cancel);
        if (result)
            stats = *result;
    };
    const double first = bench::bestOfMs(1, run);
    const double best = bench::bestOfMs(3, run);
    TensorStats preview;
    const double previewMs = bench::bestOfMs(1, [&] {
        auto result = computeStatsPreview(view, options, cancel);
        if (result)
            preview = *result;
    });

    const double gb = static_cast<double>(view.byteSize) / 1e9;
    std::printf("tensor %s %s, %.0f MiB, %llu elements\n", argv[2], std::string(dtypeName(view.dtype)).c_str(),
                static_cast<double>(view.byteSize) / 1048576.0, static_cast<unsigned long long>(view.elementCount));
    std::printf("bandwidth peer (2-thread sum): first %.1f ms (%.2f GB/s), best %.1f ms (%.2f GB/s)\n", peerFirst,
                static_cast<double>(fileSize) / 1e9 / (peerFirst / 1000), peerBest,
                static_cast<double>(fileSize) / 1e9 / (peerBest / 1000));
    std::printf("safescope stats+hist: first %.1f ms (%.2f GB/s), best %.1f ms (%.2f GB/s), %s\n", first,
                gb / (first / 1000), best, gb / (best / 1000),
                stats.exact ? "exact" : qPrintable(QStringLiteral("percentile error %1").arg(stats.percentileError)));
    std::printf("safescope preview: %.1f ms (%llu samples)\n", previewMs,
                static_cast<unsigned long long>(preview.count));
    std::printf("min %.4f max %.4f mean %.5f std %.5f nan %llu\n", stats.min, stats.max, stats.mean, stats.std,
                static_cast<unsigned long long>(stats.nan));
    std::printf("SAFESCOPE_FIRST_MS=%.3f\nSAFESCOPE_BEST_MS=%.3f\nPEER_BEST_MS=%.3f\n", first, best, peerBest);
    return sink == 42 ? 1 : 0;
}
