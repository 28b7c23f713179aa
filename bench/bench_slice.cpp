// bench_slice [DIR]: the two interactive figures of the values pages (issue 4), each next to a peer measured in the
// same run.
//  (a) "a 150,000 x 8,192 embedding scrolls smoothly": SliceTableModel driven as a table view paints it, a page of
//      40 rows x 20 columns (every role a delegate asks for, plus the header sections) at 200 random scroll
//      positions and along 200 wheel steps; median and worst ms per page against a frame (16 ms), and against the
//      peer: memcpy of the same tensor bytes from a mapping of the same file.
//  (b) "selecting a tensor shows a first histogram of a large tensor within 100 ms": computeStatsPreview of a
//      1 GiB F32 tensor in the page cache, called as StatsRunner calls it, against the 100 ms budget.
// The embedding is a 2.4 GB hole (zeros decode like any other value); the F32 tensor is written for real.
// Files go to a temporary directory under DIR (default: the system temporary directory) and are removed after.
#include "benchutil.h"
#include "core/format/model.h"
#include "core/values/tensorstats.h"
#include "ui/models/slicetablemodel.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtEndian>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

using namespace safescope;

namespace {

constexpr uint64_t kRows = 150'000;
constexpr uint64_t kCols = 8'192;
constexpr int kPageRows = 40;
constexpr int kPageCols = 20;
constexpr int kPositions = 200;
constexpr double kFrameMs = 16.0;
constexpr double kHistogramBudgetMs = 100.0;
constexpr uint64_t kF32Elements = (uint64_t(1) << 30) / 4;
constexpr uint64_t kPreviewSamples = uint64_t(1) << 20; // computeStatsPreview's default
constexpr int kHistogramRuns = 5;

// What QStyledItemDelegate::initStyleOption asks of every visible cell.
constexpr int kDelegateRoles[] = {Qt::DisplayRole,    Qt::FontRole,       Qt::TextAlignmentRole, Qt::ForegroundRole,
                                  Qt::CheckStateRole, Qt::DecorationRole, Qt::BackgroundRole};

/// The 8-byte length, the JSON header padded to 8 bytes, then `dataBytes` left to the caller.
bool writeHeader(QFile& file, const QByteArray& tensorJson)
{
    QByteArray header = "{" + tensorJson + "}";
    while (header.size() % 8 != 0)
        header += ' ';
    char length[8];
    qToLittleEndian<quint64>(static_cast<quint64>(header.size()), length);
    return file.write(length, 8) == 8 && file.write(header) == header.size();
}

QByteArray tensorJson(const char* name, const char* dtype, uint64_t rows, uint64_t cols, uint64_t bytes)
{
    return QStringLiteral("\"%1\":{\"dtype\":\"%2\",\"shape\":[%3,%4],\"data_offsets\":[0,%5]}")
        .arg(QLatin1StringView(name), QLatin1StringView(dtype))
        .arg(rows)
        .arg(cols)
        .arg(bytes)
        .toUtf8();
}

QString makeEmbedding(const QTemporaryDir& dir)
{
    const QString path = dir.filePath(QStringLiteral("embedding.safetensors"));
    QFile file(path);
    const uint64_t bytes = kRows * kCols * 2;
    if (!file.open(QIODevice::WriteOnly) || !writeHeader(file, tensorJson("embed", "BF16", kRows, kCols, bytes)) ||
        !file.resize(file.size() + static_cast<qint64>(bytes))) // ftruncate: a hole, no disk blocks
        return {};
    return path;
}

QString makeF32(const QTemporaryDir& dir)
{
    const QString path = dir.filePath(QStringLiteral("f32.safetensors"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) ||
        !writeHeader(file, tensorJson("weight", "F32", kF32Elements / 16384, 16384, kF32Elements * 4)))
        return {};
    // Weight-like values (a smooth bell from a cheap generator), so the preview bins real spread, not a constant.
    std::mt19937 random(7);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    std::vector<float> chunk(size_t(1) << 22);
    for (float& v : chunk)
        v = normal(random);
    for (uint64_t written = 0; written < kF32Elements; written += chunk.size()) {
        std::rotate(chunk.begin(), chunk.begin() + 12345, chunk.end()); // not the same bytes in every chunk
        const auto size = static_cast<qint64>(chunk.size() * sizeof(float));
        if (file.write(reinterpret_cast<const char*>(chunk.data()), size) != size)
            return {};
    }
    return path;
}

double msSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

double worst(const std::vector<double>& values)
{
    return *std::max_element(values.begin(), values.end());
}

struct Page
{
    int row = 0;
    int col = 0;
};

/// One page as a view paints it: the header sections, then every role of every visible cell.
size_t paintPage(const SliceTableModel& model, Page page)
{
    size_t characters = 0;
    for (int r = 0; r < kPageRows; ++r)
        characters += static_cast<size_t>(model.headerData(page.row + r, Qt::Vertical).toString().size());
    for (int c = 0; c < kPageCols; ++c)
        characters += static_cast<size_t>(model.headerData(page.col + c, Qt::Horizontal).toString().size());
    for (int r = 0; r < kPageRows; ++r) {
        for (int c = 0; c < kPageCols; ++c) {
            const QModelIndex index = model.index(page.row + r, page.col + c);
            for (int role : kDelegateRoles) {
                const QVariant value = model.data(index, role);
                if (role == Qt::DisplayRole)
                    characters += static_cast<size_t>(value.toString().size());
            }
        }
    }
    return characters;
}

/// The peer: the page's tensor bytes, row by row, out of the file's own mapping.
void copyPage(const unsigned char* data, Page page, unsigned char* out)
{
    for (int r = 0; r < kPageRows; ++r) {
        const uint64_t offset = (static_cast<uint64_t>(page.row + r) * kCols + static_cast<uint64_t>(page.col)) * 2;
        std::memcpy(out + r * kPageCols * 2, data + offset, kPageCols * 2);
    }
}

void scrollCase(const char* title, const SliceTableModel& model, const unsigned char* peerData,
                const std::vector<Page>& pages, volatile size_t& sink)
{
    std::vector<double> ours;
    std::vector<double> peer;
    unsigned char buffer[kPageRows * kPageCols * 2];
    for (const Page& page : pages) {
        // The model goes first, so it pays the first touch of those file pages (the peer has its own mapping but
        // finds them in the page cache): the ratio errs against SafeScope.
        auto start = std::chrono::steady_clock::now();
        sink = sink + paintPage(model, page);
        ours.push_back(msSince(start));
        start = std::chrono::steady_clock::now();
        copyPage(peerData, page, buffer);
        sink = sink + buffer[page.row % sizeof buffer];
        peer.push_back(msSince(start));
    }
    const double ourMedian = median(ours);
    const double peerMedian = std::max(median(peer), 1e-6);
    std::printf("%s, %d pages of %d x %d cells:\n", title, static_cast<int>(pages.size()), kPageRows, kPageCols);
    std::printf("  safescope SliceTableModel: median %.3f ms, worst %.3f ms per page (%.1f%% / %.1f%% of a %.0f ms "
                "frame)\n",
                ourMedian, worst(ours), 100 * ourMedian / kFrameMs, 100 * worst(ours) / kFrameMs, kFrameMs);
    std::printf("  peer memcpy of the same bytes: median %.5f ms, worst %.5f ms per page\n", median(peer), worst(peer));
    std::printf("  ratio safescope/memcpy: %.0fx (median), %.0fx (worst)\n", ourMedian / peerMedian,
                worst(ours) / std::max(worst(peer), 1e-6));
}

int benchScroll(const QTemporaryDir& dir)
{
    const QString path = makeEmbedding(dir);
    if (path.isEmpty()) {
        std::fprintf(stderr, "cannot create the embedding file in %s\n", qPrintable(dir.path()));
        return 2;
    }
    auto opened = Model::open(path);
    if (!opened) {
        std::fprintf(stderr, "%s\n", qPrintable(opened.error().describe()));
        return 2;
    }
    SliceTableModel model;
    model.setTensor(*opened, 0);
    if (model.rowCount() != int(kRows) || model.columnCount() != int(kCols)) {
        std::fprintf(stderr, "unexpected table size %d x %d\n", model.rowCount(), model.columnCount());
        return 2;
    }
    QFile peerFile(path);
    if (!peerFile.open(QIODevice::ReadOnly))
        return 2;
    const uint64_t dataStart = static_cast<uint64_t>(peerFile.size()) - kRows * kCols * 2;
    const unsigned char* mapped = peerFile.map(0, peerFile.size());
    if (!mapped)
        return 2;
    const unsigned char* peerData = mapped + dataStart;

    std::mt19937_64 random(42);
    std::uniform_int_distribution<int> rowAt(0, int(kRows) - kPageRows);
    std::uniform_int_distribution<int> colAt(0, int(kCols) - kPageCols);
    std::vector<Page> jumps(kPositions);
    for (Page& page : jumps)
        page = {rowAt(random), colAt(random)};
    // Wheel scrolling: three rows a notch from a random place, what "scrolls smoothly" feels like.
    std::vector<Page> wheel(kPositions);
    const Page from{rowAt(random) / 2, colAt(random)};
    for (int i = 0; i < kPositions; ++i)
        wheel[size_t(i)] = {from.row + 3 * i, from.col};

    volatile size_t sink = 0;
    std::printf("(a) %llu x %llu BF16 embedding (%.2f GB, a hole in the file)\n",
                static_cast<unsigned long long>(kRows), static_cast<unsigned long long>(kCols),
                double(kRows * kCols * 2) / 1e9);
    scrollCase("random jumps (scrollbar drags)", model, peerData, jumps, sink);
    scrollCase("wheel scrolling, 3 rows a step", model, peerData, wheel, sink);
    return 0; // the volatile sink already keeps the work observable
}

int benchFirstHistogram(const QTemporaryDir& dir)
{
    const QString path = makeF32(dir);
    if (path.isEmpty()) {
        std::fprintf(stderr, "cannot create the F32 file in %s\n", qPrintable(dir.path()));
        return 2;
    }
    {
        // Read once: "in the page cache", as a file the user just worked with.
        QFile warm(path);
        if (!warm.open(QIODevice::ReadOnly))
            return 2;
        while (!warm.read(size_t(1) << 24).isEmpty()) {
        }
    }
    const std::atomic_bool cancel{false};
    StatsOptions options; // StatsRunner::request with the default histogram
    std::vector<double> fresh;
    std::vector<double> again;
    std::vector<double> gather;
    uint64_t samples = 0;
    volatile unsigned sink = 0;
    for (int run = 0; run < kHistogramRuns; ++run) {
        {
            // The peer: a strided gather of as many samples from a new mapping of the same file (what a[::k] reads
            // in numpy), the floor of a strided preview: mostly page faults, as the stride touches every page.
            QFile file(path);
            if (!file.open(QIODevice::ReadOnly))
                return 2;
            const unsigned char* data = file.map(0, file.size());
            if (!data)
                return 2;
            const uint64_t stride = (kF32Elements + kPreviewSamples - 1) / kPreviewSamples;
            const uint64_t start = static_cast<uint64_t>(file.size()) - kF32Elements * 4;
            std::vector<float> out(kPreviewSamples);
            const auto begin = std::chrono::steady_clock::now();
            for (uint64_t i = 0; i < kF32Elements / stride; ++i)
                std::memcpy(&out[i], data + start + i * stride * 4, 4);
            gather.push_back(msSince(begin));
            sink = sink + static_cast<unsigned>(out[kPreviewSamples / 2] > 0);
        }
        // The document is opened before a tensor is selected, so opening is not part of the figure; its mapping is
        // new, though, so the first preview pays the page faults the first selection in the window pays.
        auto opened = Model::open(path);
        if (!opened) {
            std::fprintf(stderr, "%s\n", qPrintable(opened.error().describe()));
            return 2;
        }
        const TensorView view = viewOf(**opened, 0);
        for (int pass = 0; pass < 2; ++pass) {
            const auto start = std::chrono::steady_clock::now();
            Result<TensorStats> preview = computeStatsPreview(view, options, cancel);
            const double ms = msSince(start);
            if (!preview || !preview->sampled) {
                std::fprintf(stderr, "no sampled preview\n");
                return 2;
            }
            samples = preview->count;
            (pass == 0 ? fresh : again).push_back(ms);
        }
    }
    (void)sink;
    std::printf("(b) first histogram of a 1 GiB F32 tensor (%llu elements, page cache warm), preview of %llu "
                "samples:\n",
                static_cast<unsigned long long>(kF32Elements), static_cast<unsigned long long>(samples));
    std::printf("  new mapping (first selection): median %.1f ms, worst %.1f ms of %d = %.2fx / %.2fx the %.0f ms "
                "budget\n",
                median(fresh), worst(fresh), kHistogramRuns, median(fresh) / kHistogramBudgetMs,
                worst(fresh) / kHistogramBudgetMs, kHistogramBudgetMs);
    std::printf(
        "  peer, a strided gather of as many samples from a new mapping: median %.1f ms; preview/gather %.2fx\n",
        median(gather), median(fresh) / median(gather));
    std::printf("  mapping already touched (selecting it again): median %.1f ms = %.2fx the budget\n", median(again),
                median(again) / kHistogramBudgetMs);
    return 0;
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const QString base = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QDir::tempPath();
    const QTemporaryDir dir(base + QStringLiteral("/bench_slice-XXXXXX"));
    if (!dir.isValid()) {
        std::fprintf(stderr, "cannot create a temporary directory under %s\n", qPrintable(base));
        return 2;
    }
    if (const int failed = benchScroll(dir))
        return failed;
    return benchFirstHistogram(dir);
}
