// MoE-scale open (issue 14, "Scale"): sparse DeepSeek-V3-like sharded checkpoints written with the project's writer,
// opened by the core at 10k, 100k and 1M tensors in 16 to 256 shards, so per-tensor cost can be seen to stay flat
// (nothing quadratic in tensors or shards). run_moe_bench.sh adds the whole-process CLI against Python.
// Usage:
//   bench_moe write DIR [--experts N] [--shards N] [--bf16]   writes a checkpoint (defaults: DeepSeek-V3's layout)
//   bench_moe open INDEX [RUNS]                               best core Model::open time of RUNS (default 5)
//   bench_moe scale DIR                                       the 10k / 100k / 1M table (DIR is scratch space)
//   bench_moe quant INDEX                                     CPU time of recognising the quantized weights
#include "benchutil.h"
#include "core/format/model.h"
#include "core/format/shardindex.h"
#include "core/modelinfo/architecturesummary.h"
#include "core/quant/quantcatalog.h"
#include "core/quant/quantconfig.h"
#include "support/moecheckpoint.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <sys/resource.h>

using namespace safescope;
using namespace safescope::bench;

namespace {

// CPU time of this thread: on a shared, loaded machine wall time measures the neighbours.
double bestCpuMs(int runs, const std::function<void()>& work)
{
    double best = 1e300;
    for (int i = 0; i < runs; ++i) {
        timespec start{}, stop{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
        work();
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &stop);
        best = std::min(best, (stop.tv_sec - start.tv_sec) * 1e3 + (stop.tv_nsec - start.tv_nsec) / 1e6);
    }
    return best;
}

double openMs(const QString& index, int runs, size_t& tensors)
{
    return bestOfMs(runs, [&] {
        const auto model = Model::open(index, OpenMode::Lenient);
        if (!model || !(*model)->warnings().empty()) {
            std::fprintf(stderr, "open failed or warned: %s\n", qPrintable(index));
            std::exit(1);
        }
        tensors = (*model)->tensorCount();
    });
}

int write(const QString& dir, test::MoeCheckpointSpec spec)
{
    QDir().mkpath(dir);
    const auto written = test::writeMoeCheckpoint(dir, spec);
    if (!written) {
        std::fprintf(stderr, "%s\n", qPrintable(written.error().message));
        return 1;
    }
    std::printf("%s %zu tensors in %d shards\n", qPrintable(written->indexPath), written->weightMap.size(),
                spec.shards);
    return 0;
}

int scale(const QString& root)
{
    // Small shapes (the open does not read data) and BF16 names, so a million entries fit the 100 MB index limit.
    std::printf("%10s %7s %12s %14s\n", "tensors", "shards", "open ms", "ns per tensor");
    for (const int target : {10'000, 100'000, 1'000'000}) {
        for (const int shards : {16, 64, 163, 256}) {
            test::MoeCheckpointSpec spec;
            spec.fp8 = false;
            spec.compactIndex = true;
            spec.hidden = 64;
            spec.expertIntermediate = 32;
            spec.denseIntermediate = 128;
            spec.vocab = 1024;
            spec.shards = shards;
            spec.experts = (target - 61 * 13) / (58 * 3); // 13 + 3 x experts tensors in each MoE layer
            const QString dir = root + QStringLiteral("/scale-%1-%2").arg(target).arg(shards);
            QDir(dir).removeRecursively();
            QDir().mkpath(dir);
            const auto written = test::writeMoeCheckpoint(dir, spec);
            if (!written) {
                std::fprintf(stderr, "%s\n", qPrintable(written.error().message));
                return 1;
            }
            size_t tensors = 0;
            const double ms = openMs(written->indexPath, target >= 1'000'000 ? 3 : 5, tensors);
            std::printf("%10zu %7d %12.1f %14.0f\n", tensors, shards, ms, ms * 1e6 / static_cast<double>(tensors));
            std::fflush(stdout);
            QDir(dir).removeRecursively();
        }
    }
    return 0;
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() >= 3 && args[1] == QStringLiteral("write")) {
        test::MoeCheckpointSpec spec;
        for (int i = 3; i < args.size(); ++i) {
            if (args[i] == QStringLiteral("--experts") && i + 1 < args.size())
                spec.experts = args[++i].toInt();
            else if (args[i] == QStringLiteral("--shards") && i + 1 < args.size())
                spec.shards = args[++i].toInt();
            else if (args[i] == QStringLiteral("--bf16"))
                spec.fp8 = false;
        }
        return write(args[2], spec);
    }
    if (args.size() >= 3 && args[1] == QStringLiteral("open")) {
        size_t tensors = 0;
        const int runs = args.size() > 3 ? args[3].toInt() : 5;
        const double ms = openMs(args[2], runs, tensors);
        std::printf("core open: %.1f ms best of %d (%zu tensors)\nSAFESCOPE_OPEN_MS=%.2f\n", ms, runs, tensors, ms);
        return 0;
    }
    if (args.size() >= 3 && args[1] == QStringLiteral("phases")) {
        // Where an open's time goes: the index alone, the shards' headers alone (one thread), the whole open.
        const auto index = readShardIndex(args[2]);
        if (!index)
            return 1;
        const double indexMs = bestCpuMs(5, [&] { (void)readShardIndex(args[2]); });
        const QDir dir = QFileInfo(args[2]).absoluteDir();
        const double headersMs = bestCpuMs(5, [&] {
            for (const std::string& shard : index->shards)
                (void)SafetensorsFile::open(dir.filePath(QString::fromStdString(shard)), OpenMode::Lenient);
        });
        size_t tensors = 0;
        rusage before{}, after{};
        getrusage(RUSAGE_SELF, &before);
        const double openMsBest = openMs(args[2], 5, tensors);
        getrusage(RUSAGE_SELF, &after);
        const auto cpuMs = [](const rusage& r) {
            return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e3 + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e3;
        };
        std::printf("whole open: %.1f ms CPU (all threads, mean of 5)\n", (cpuMs(after) - cpuMs(before)) / 5);
        std::printf("CPU time: index %.1f ms, %zu headers on one thread %.1f ms; whole open %.1f ms wall\n", indexMs,
                    index->shards.size(), headersMs, openMsBest);
        return 0;
    }
    if (args.size() >= 3 && args[1] == QStringLiteral("arch")) {
        // The layout summary the viewer's loader and `info` compute after the open.
        const auto model = Model::open(args[2], OpenMode::Lenient);
        if (!model)
            return 1;
        std::vector<std::string> lines;
        const double ms = bestCpuMs(5, [&] { lines = architectureSummary(**model); });
        std::printf("architecture summary of %zu tensors: %.1f ms CPU\n%s\n", (*model)->tensorCount(), ms,
                    lines.empty() ? "" : lines.front().c_str());
        return 0;
    }
    if (args.size() >= 3 && args[1] == QStringLiteral("quant")) {
        // Recognition of quantized weights, which every open of a quantized model runs after the parse.
        const auto model = Model::open(args[2], OpenMode::Lenient);
        if (!model)
            return 1;
        const QuantConfig config = readQuantConfig(args[2]);
        QuantCatalog catalog;
        const double ms = bestCpuMs(5, [&] { catalog = recogniseQuantized(**model, config); });
        std::printf("recognition of %zu quantized weights among %zu tensors: %.1f ms CPU best of 5 (%.0f ns per "
                    "tensor)\n",
                    catalog.tensors.size(), (*model)->tensorCount(), ms,
                    ms * 1e6 / static_cast<double>((*model)->tensorCount()));
        return 0;
    }
    if (args.size() >= 3 && args[1] == QStringLiteral("scale"))
        return scale(args[2]);
    std::fprintf(stderr, "usage: bench_moe write DIR [--experts N] [--shards N] [--bf16] | open INDEX [RUNS] | "
                         "scale DIR | quant INDEX\n");
    return 2;
}
