// bench_diff A B SAME: the model diff of A against B (values differ) and against SAME (a byte copy of A), next to
// a plain two-thread read of the same bytes (the memory-bandwidth ceiling), once through fresh mappings and once with
// pread() (the ceiling of a first read where fresh mapped pages are dear: see ViewReader). run_diff_bench.sh adds
// numpy, measured in the same run on the same warm files.
#include "benchutil.h"
#include "core/diff/diffkernels.h"
#include "core/format/model.h"
#include "core/diff/modeldiff.h"
#include "core/io/viewreader.h"

#include <QCoreApplication>
#include <QFile>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace safescope;

namespace {

// The peer: the least work that reads every byte of both files, on all cores, from its own mappings.
uint64_t readBoth(const unsigned char* a, const unsigned char* b, uint64_t size)
{
    return bench::sumWordsOnAllCores(size / 8, [a, b](uint64_t begin, uint64_t end) {
        uint64_t x = 0, y = 0, z = 0, w = 0;
        for (uint64_t i = begin; i + 2 <= end; i += 2) {
            uint64_t p[2], q[2];
            std::memcpy(p, a + 8 * i, sizeof p);
            std::memcpy(q, b + 8 * i, sizeof q);
            x += p[0];
            y += p[1];
            z += q[0];
            w += q[1];
        }
        return x + y + z + w;
    });
}

// Every byte of a mapping, read on all cores: what an earlier pass over a model leaves behind (a warm mapping).
uint64_t readMapped(const unsigned char* data, uint64_t size)
{
    return bench::sumWordsOnAllCores(size / 8, [data](uint64_t begin, uint64_t end) {
        uint64_t x = 0;
        for (uint64_t i = begin; i < end; ++i) {
            uint64_t p;
            std::memcpy(&p, data + 8 * i, sizeof p);
            x += p;
        }
        return x;
    });
}

// The pread peer: the same least work, reading both files with pread() into small buffers on all cores.
uint64_t preadBoth(int a, int b, uint64_t size)
{
    constexpr uint64_t kPiece = ViewReader::Buffer::kBytes;
    return bench::sumWordsOnAllCores(size / kPiece, [a, b](uint64_t begin, uint64_t end) {
        std::vector<uint64_t> p(kPiece / 8), q(kPiece / 8);
        uint64_t x = 0;
        for (uint64_t piece = begin; piece < end; ++piece) {
            const auto at = static_cast<off_t>(piece * kPiece);
            if (::pread(a, p.data(), kPiece, at) != static_cast<ssize_t>(kPiece) ||
                ::pread(b, q.data(), kPiece, at) != static_cast<ssize_t>(kPiece))
                std::exit(2);
            for (size_t i = 0; i < p.size(); ++i)
                x += p[i] + q[i];
        }
        return x;
    });
}

struct Mapped
{
    std::unique_ptr<QFile> file;
    const unsigned char* data = nullptr;
    uint64_t size = 0;
};

Mapped mapFile(const char* path)
{
    Mapped m;
    m.file = std::make_unique<QFile>(QString::fromLocal8Bit(path));
    if (m.file->open(QIODevice::ReadOnly)) {
        m.size = static_cast<uint64_t>(m.file->size());
        m.data = m.file->map(0, m.file->size());
    }
    return m;
}

std::shared_ptr<const Model> openModel(const char* path)
{
    auto model = Model::open(QString::fromLocal8Bit(path));
    if (!model) {
        std::fprintf(stderr, "%s\n", qPrintable(model.error().describe()));
        std::exit(2);
    }
    return *model;
}

struct Timing
{
    double first = 0, cold = 0, best = 0;
    ModelDiff diff;
};

// First run on fresh mappings (as a user's first diff pays it), then best of 3 repeats on the same models, whose
// mappings the diff left cold (it copies cold ranges from the files), then best of 3 on warm mappings (every byte
// read through them first, as statistics or an earlier in-place pass would leave them).
Timing timeDiff(const char* pathA, const char* pathB, volatile uint64_t& sink)
{
    Timing t;
    const std::atomic_bool cancel{false};
    auto run = [&](const Model& a, const Model& b) {
        auto result = diffModels(a, b, DiffOptions{}, cancel);
        if (!result)
            std::exit(2);
        t.diff = std::move(*result);
    };
    {
        const auto a = openModel(pathA);
        const auto b = openModel(pathB);
        t.first = bench::bestOfMs(1, [&] { run(*a, *b); });
        t.cold = bench::bestOfMs(3, [&] { run(*a, *b); });
    }
    const auto a = openModel(pathA);
    const auto b = openModel(pathB);
    for (const Model* model : {a.get(), b.get()})
        for (const Model::Shard& shard : model->shards())
            sink = sink + readMapped(shard.file->mapping().data(), shard.file->mapping().size());
    run(*a, *b); // untimed, as before the warm runs
    t.best = bench::bestOfMs(3, [&] { run(*a, *b); });
    return t;
}

// The BF16 diff kernels alone on one thread, over the first BF16 pairs of A and B's data (past the header; the
// bytes are BF16 in the benchmark's models): the fast path against the portable one in the same run, so the
// kernel speed-up reads true however loaded the machine is.
struct KernelTiming
{
    double portable = 0, best = 0;
    uint64_t pairs = 0;
};

KernelTiming timeKernels(const Mapped& a, const Mapped& b)
{
    KernelTiming t;
    uint64_t headerA = 0, headerB = 0;
    if (a.size < 8 || b.size < 8)
        return t;
    std::memcpy(&headerA, a.data, sizeof headerA);
    std::memcpy(&headerB, b.data, sizeof headerB);
    const uint64_t startA = (8 + headerA + 1) & ~uint64_t(1), startB = (8 + headerB + 1) & ~uint64_t(1);
    if (startA >= a.size || startB >= b.size)
        return t;
    t.pairs = std::min<uint64_t>({(a.size - startA) / 2, (b.size - startB) / 2, uint64_t(1) << 27});
    volatile double sink = 0;
    auto run = [&](DiffKernel kernel) {
        DiffSums sums;
        for (uint64_t first = 0; first < t.pairs; first += kDiffBlock) {
            const size_t n = static_cast<size_t>(std::min<uint64_t>(kDiffBlock, t.pairs - first));
            diffBlockBf16(a.data + startA + 2 * first, b.data + startB + 2 * first, n, first, 0.0, 0.0, sums, kernel);
        }
        sink = sink + sums.sumSq.value();
    };
    run(DiffKernel::Best); // page in the mappings, untimed
    t.portable = bench::bestOfMs(3, [&] { run(DiffKernel::Portable); });
    t.best = bench::bestOfMs(3, [&] { run(DiffKernel::Best); });
    return t;
}

double gbps(uint64_t bytes, double ms)
{
    return static_cast<double>(bytes) / 1e9 / (ms / 1000);
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    if (argc < 4) {
        std::fprintf(stderr, "usage: bench_diff A B SAME\n");
        return 2;
    }
    volatile uint64_t sink = 0;
    double peerFirst = 0, peerBest = 0, peerPread = 0;
    uint64_t bytes = 0;
    {
        const Mapped a = mapFile(argv[1]);
        const Mapped same = mapFile(argv[3]);
        if (!a.data || !same.data || a.size != same.size)
            return 2;
        bytes = a.size + same.size;
        peerFirst = bench::bestOfMs(1, [&] { sink = sink + readBoth(a.data, same.data, a.size); });
        peerBest = bench::bestOfMs(3, [&] { sink = sink + readBoth(a.data, same.data, a.size); });
        peerPread = bench::bestOfMs(3, [&] { sink = sink + preadBoth(a.file->handle(), same.file->handle(), a.size); });
    }
    KernelTiming kernels;
    {
        const Mapped a = mapFile(argv[1]);
        const Mapped b = mapFile(argv[2]);
        if (!a.data || !b.data)
            return 2;
        kernels = timeKernels(a, b);
    }
    const Timing values = timeDiff(argv[1], argv[2], sink);
    const Timing identical = timeDiff(argv[1], argv[3], sink);

    const DiffSummary& s = values.diff.summary;
    std::printf("two-thread read of A + SAME (%.0f MiB): mapped first %.1f ms (%.2f GB/s), best %.1f ms (%.2f GB/s); "
                "pread best %.1f ms (%.2f GB/s)\n",
                static_cast<double>(bytes) / 1048576.0, peerFirst, gbps(bytes, peerFirst), peerBest,
                gbps(bytes, peerBest), peerPread, gbps(bytes, peerPread));
    std::printf("safescope diff A B: first %.1f ms (%.2f GB/s), cold repeat %.1f ms (%.2f GB/s), warm best %.1f ms "
                "(%.2f GB/s); %llu pairs, %llu differ, %llu parameters changed\n",
                values.first, gbps(bytes, values.first), values.cold, gbps(bytes, values.cold), values.best,
                gbps(bytes, values.best), static_cast<unsigned long long>(s.pairs),
                static_cast<unsigned long long>(s.count(DiffStatus::ValuesDiffer)),
                static_cast<unsigned long long>(s.parametersChanged));
    std::printf("safescope diff A SAME: first %.1f ms (%.2f GB/s), cold repeat %.1f ms (%.2f GB/s), warm best %.1f ms "
                "(%.2f GB/s); %llu of %llu identical\n",
                identical.first, gbps(bytes, identical.first), identical.cold, gbps(bytes, identical.cold),
                identical.best, gbps(bytes, identical.best),
                static_cast<unsigned long long>(identical.diff.summary.count(DiffStatus::Identical)),
                static_cast<unsigned long long>(identical.diff.summary.pairs));
    std::printf("BF16 kernels, one thread, %llu pairs of A and B: portable %.1f ms, %s %.1f ms (%.2fx)\n",
                static_cast<unsigned long long>(kernels.pairs), kernels.portable,
                diffKernelHasAvx2() ? "AVX2+FMA" : "best (portable here)", kernels.best,
                kernels.best > 0 ? kernels.portable / kernels.best : 0.0);
    std::printf("VALUES_FIRST_MS=%.3f\nVALUES_COLD_MS=%.3f\nVALUES_BEST_MS=%.3f\nIDENTICAL_FIRST_MS=%.3f\n"
                "IDENTICAL_COLD_MS=%.3f\nIDENTICAL_BEST_MS=%.3f\nPEER_FIRST_MS=%.3f\nPEER_BEST_MS=%.3f\n"
                "PEER_PREAD_MS=%.3f\nKERNEL_PORTABLE_MS=%.3f\nKERNEL_BEST_MS=%.3f\n",
                values.first, values.cold, values.best, identical.first, identical.cold, identical.best, peerFirst,
                peerBest, peerPread, kernels.portable, kernels.best);
    return sink == 42 ? 1 : 0;
}
