// Metadata save and export speed against `cp` of the same 1 GiB file, measured in the same run (issue 5):
//  - in-place metadata save: under 1% of the time of cp;
//  - rewrite save and export of every tensor unchanged: at least 0.8x cp's throughput.
// Every SafeScope save ends with fsync (it must survive a power cut), so the fair peers are `cp` followed by
// `sync FILE`: to a new file for export, over an existing file for a rewrite save (which, like cp over a file,
// frees the old file's blocks; with the `discard` mount option that costs real time). Plain cp, whose data may still
// sit in the page cache when it exits, is printed too.
// Fairness: each contender starts on a quiet disk (sync, untimed, beforehand, so the previous contender's writeback
// and freed blocks are not charged to it), and each durable contender's time ends with syncfs of the folder, so
// work a contender leaves for later (a rewrite frees the replaced file's blocks only when its last descriptor
// closes, after its own fsyncs) is charged to it, not to whoever syncs next. The order of the contenders rotates
// from round to round; medians are printed beside the best runs, and the ratios use medians.
// Usage: bench_edit [FOLDER] [SIZE_MIB] [ROUNDS]   (default: the current folder, 1024 MiB, 5 rounds; real bytes,
// not a sparse file)
#include "core/export/exporter.h"
#include "core/edit/metadatasaver.h"
#include "core/format/model.h"
#include "core/export/writer.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <random>
#include <unistd.h>
#include <vector>

using namespace safescope;

namespace {

// 1 GiB in 256 tensors of 4 MiB (F32 and BF16), written by the project's writer in the reference layout, with a
// header padded enough for the in-place edits below.
QString makeCheckpoint(const QString& folder, uint64_t megabytes)
{
    constexpr uint64_t kTensorBytes = uint64_t{4} << 20;
    std::vector<unsigned char> payload(kTensorBytes);
    std::mt19937_64 random(1);
    for (size_t i = 0; i < payload.size(); i += 8) {
        const uint64_t word = random();
        std::memcpy(payload.data() + i, &word, 8);
    }
    std::vector<WriteTensor> tensors;
    const uint64_t count = megabytes / 4;
    for (uint64_t i = 0; i < count; ++i) {
        const bool bf16 = i % 2 == 1;
        tensors.push_back({"model.layers." + std::to_string(i) + ".weight",
                           bf16 ? DType::BF16 : DType::F32,
                           {bf16 ? 2048u : 1024u, 1024u},
                           payload.data()});
    }
    WriteOptions options;
    options.metadataState = MetadataState::Object;
    options.metadata = {{"format", "pt"}};
    options.reserveBytes = 4096;
    const QString path = folder + QStringLiteral("/bench.safetensors");
    if (Status written = writeSafetensors(path, std::move(tensors), options); !written) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(written.error().describe()));
        return {};
    }
    return path;
}

bool run(const QString& program, const QStringList& arguments)
{
    QProcess process;
    process.start(program, arguments);
    return process.waitForFinished(-1) && process.exitCode() == 0;
}

void fail(const Error& error)
{
    std::fprintf(stderr, "%s\n", qPrintable(error.describe()));
    std::exit(1);
}

// syncfs of the file system holding `folder`: whatever a contender left dirty or pending (freed blocks, journal)
// is written now.
void syncFileSystem(const QString& folder)
{
    const int fd = ::open(QFile::encodeName(folder).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)::syncfs(fd);
        ::close(fd);
    }
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const size_t middle = values.size() / 2;
    return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

double best(const std::vector<double>& values)
{
    return *std::min_element(values.begin(), values.end());
}

double timeMs(const std::function<void()>& work)
{
    const auto start = std::chrono::steady_clock::now();
    work();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const QString base = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QDir::currentPath();
    const uint64_t megabytes = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1024;
    QTemporaryDir dir(base + QStringLiteral("/bench_edit-XXXXXX"));
    if (!dir.isValid())
        return 2;
    const QString path = makeCheckpoint(dir.path(), megabytes);
    if (path.isEmpty())
        return 2;
    run(QStringLiteral("sync"), {path});
    const double bytes = static_cast<double>(QFile(path).size());
    const QString copy = dir.filePath(QStringLiteral("copy.safetensors"));
    const QString exported = dir.filePath(QStringLiteral("export.safetensors"));
    const int rounds = argc > 3 ? std::max(1, std::atoi(argv[3])) : 5;
    constexpr int kInPlacePerRound = 5;

    // Warm the page cache once so every contender reads from memory; `copy` then exists for the first "over a
    // file" run.
    run(QStringLiteral("cp"), {path, copy});
    const std::atomic_bool never{false};
    MetadataSaveOptions rewrite;
    rewrite.forceRewrite = true;
    rewrite.reserveBytes = 4096;
    int edit = 0;
    const auto nextMetadata = [&] {
        return std::vector<MetadataEntry>{{"format", "pt"}, {"edit", std::to_string(++edit)}};
    };
    std::vector<double> cpMs, cpNewSyncMs, cpOverSyncMs, rewriteMs, exportMs, inPlaceMs;
    // Setup (removing or creating the previous output) is untimed and happens before the quieting sync.
    const std::vector<std::function<void()>> contenders = {
        [&] {
            QFile::remove(copy);
            ::sync();
            cpMs.push_back(timeMs([&] { run(QStringLiteral("cp"), {path, copy}); }));
        },
        [&] {
            QFile::remove(copy);
            ::sync();
            cpNewSyncMs.push_back(timeMs([&] {
                run(QStringLiteral("cp"), {path, copy});
                run(QStringLiteral("sync"), {copy});
                syncFileSystem(dir.path());
            }));
        },
        [&] {
            // cp over an existing file also frees the old blocks, as replacing the original does.
            if (!QFile::exists(copy))
                run(QStringLiteral("cp"), {path, copy});
            ::sync();
            cpOverSyncMs.push_back(timeMs([&] {
                run(QStringLiteral("cp"), {path, copy});
                run(QStringLiteral("sync"), {copy});
                syncFileSystem(dir.path());
            }));
        },
        [&] {
            ::sync();
            rewriteMs.push_back(timeMs([&] {
                auto saved = saveMetadata(path, nextMetadata(), rewrite);
                if (!saved)
                    fail(saved.error());
                syncFileSystem(dir.path());
            }));
        },
        [&] {
            QFile::remove(exported);
            ::sync();
            exportMs.push_back(timeMs([&] {
                auto model = Model::open(path, OpenMode::Strict);
                if (!model)
                    fail(model.error());
                ExportOptions options;
                options.outputPath = exported;
                auto plan = planExport(**model, options);
                if (!plan)
                    fail(plan.error());
                auto result = runExport(**model, *plan, options, never);
                if (!result)
                    fail(result.error());
                model->reset();
                syncFileSystem(dir.path());
            }));
        },
        [&] {
            ::sync();
            for (int i = 0; i < kInPlacePerRound; ++i) {
                inPlaceMs.push_back(timeMs([&] {
                    auto saved = saveMetadata(path, nextMetadata());
                    if (!saved || saved->method != SaveMethod::InPlace)
                        fail(saved ? makeError(ErrorKind::InvalidArgument, QStringLiteral("not in place"))
                                   : saved.error());
                }));
            }
        },
    };
    for (int round = 0; round < rounds; ++round) {
        for (size_t i = 0; i < contenders.size(); ++i)
            contenders[(i + static_cast<size_t>(round)) % contenders.size()]();
    }
    QFile::remove(copy);
    QFile::remove(exported);

    const double mib = bytes / (1 << 20);
    const auto line = [&](const char* name, const std::vector<double>& ms) {
        std::printf("%-29s median %9.2f ms  best %9.2f ms  %6.0f MiB/s (median)  runs:", name, median(ms), best(ms),
                    mib / median(ms) * 1000);
        for (double run : ms)
            std::printf(" %.0f", run);
        std::printf("\n");
    };
    std::printf("file: %.0f MiB, %llu tensors, in %s; %d rounds (in-place: %d saves per round)\n", mib,
                static_cast<unsigned long long>(megabytes / 4), qPrintable(dir.path()), rounds, kInPlacePerRound);
    line("cp (new file)", cpMs);
    line("cp + sync (new file)", cpNewSyncMs);
    line("cp + sync (over a file)", cpOverSyncMs);
    std::printf("%-29s median %9.3f ms  best %9.3f ms  %6.3f%% of cp (median), %6.3f%% (best/best), %6.3f%% of "
                "cp+sync   (target < 1%%)\n",
                "in-place save", median(inPlaceMs), best(inPlaceMs), 100 * median(inPlaceMs) / median(cpMs),
                100 * best(inPlaceMs) / best(cpMs), 100 * median(inPlaceMs) / median(cpNewSyncMs));
    line("rewrite save (over original)", rewriteMs);
    std::printf("%-29s %.2fx cp+sync over a file (median; best/best %.2fx), %.2fx plain cp   (target >= 0.8x)\n", "",
                median(cpOverSyncMs) / median(rewriteMs), best(cpOverSyncMs) / best(rewriteMs),
                median(cpMs) / median(rewriteMs));
    line("export unchanged (new file)", exportMs);
    std::printf("%-29s %.2fx cp+sync new file (median; best/best %.2fx), %.2fx plain cp   (target >= 0.8x)\n", "",
                median(cpNewSyncMs) / median(exportMs), best(cpNewSyncMs) / best(exportMs),
                median(cpMs) / median(exportMs));
    return 0;
}
