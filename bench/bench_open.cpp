// Open + validate speed against peers measured in the same run (issue: core, performance):
//  - a bare nlohmann::json::parse (DOM) of the same header bytes: SafeScope must take at most 1.0x its time;
//  - Python's json.loads of the header (Debian's python3): SafeScope must be at least 5x faster;
//  - a sparse 10 GiB file must open as fast as the small one, with resident memory a few times the header size.
// Usage: bench_open FILE.safetensors   (e.g. made by ../shared/peers/stgen.py many FILE --tensors 100000)
#include "benchutil.h"
#include "core/format/headerparser.h"
#include "core/format/safetensorsfile.h"

#include <QCoreApplication>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtEndian>
#include <nlohmann/json.hpp>

#include <cstdio>

using namespace safescope;
using namespace safescope::bench;

namespace {

double pythonJsonLoadsMs(const QString& path)
{
    const QString script =
        QStringLiteral("import json,struct,time,sys\n"
                       "f=open(sys.argv[1],'rb'); n=struct.unpack('<Q',f.read(8))[0]; b=f.read(n)\n"
                       "best=1e9\n"
                       "for _ in range(5):\n"
                       "  t=time.perf_counter(); json.loads(b); best=min(best,time.perf_counter()-t)\n"
                       "print(best*1000)\n");
    QProcess python;
    python.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), script, path});
    if (!python.waitForFinished(120000) || python.exitCode() != 0)
        return -1;
    return python.readAllStandardOutput().trimmed().toDouble();
}

QString makeSparseFile(const QTemporaryDir& dir, uint64_t dataBytes)
{
    QByteArray header = "{\"__metadata__\":{\"format\":\"pt\"},\"weight\":{\"dtype\":\"U8\",\"shape\":[" +
                        QByteArray::number(static_cast<qulonglong>(dataBytes)) + "],\"data_offsets\":[0," +
                        QByteArray::number(static_cast<qulonglong>(dataBytes)) + "]}}";
    while (header.size() % 8)
        header += ' ';
    QByteArray length(8, '\0');
    qToLittleEndian<quint64>(static_cast<quint64>(header.size()), length.data());
    const QString path = dir.filePath(QStringLiteral("sparse.safetensors"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(length + header) < 0 ||
        !file.resize(8 + header.size() + static_cast<qint64>(dataBytes)))
        return {};
    return path;
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_open FILE.safetensors\n");
        return 2;
    }
    const QString path = QString::fromLocal8Bit(argv[1]);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return 2;
    const QByteArray bytes = file.readAll();
    const uint64_t n = qFromLittleEndian<quint64>(bytes.constData());
    const char* json = bytes.constData() + 8;
    const auto* raw = reinterpret_cast<const unsigned char*>(bytes.constData());
    const auto size = static_cast<uint64_t>(bytes.size());
    constexpr int kRuns = 9;

    // Resident memory first, before any other open: a later measure would reuse the heap earlier opens freed and
    // hide the real cost. Counts the mapped header pages and the parsed tables.
    uint64_t residentKiB = 0;
    {
        const uint64_t before = procStatusKiB("VmRSS");
        auto opened = SafetensorsFile::open(path, OpenMode::Strict);
        residentKiB = procStatusKiB("VmRSS") - before;
    }

    size_t tensorCount = 0;
    const double domMs = bestOfMs(kRuns, [&] {
        const auto dom = nlohmann::json::parse(json, json + n);
        tensorCount = dom.size();
    });
    const double parseMs = bestOfMs(kRuns, [&] {
        auto header = parseHeader(raw, size, size, OpenMode::Strict, path);
        if (!header)
            std::fprintf(stderr, "invalid: %s\n", qPrintable(header.error().describe()));
    });
    const double openMs = bestOfMs(kRuns, [&] {
        auto opened = SafetensorsFile::open(path, OpenMode::Strict);
        if (!opened)
            std::fprintf(stderr, "invalid: %s\n", qPrintable(opened.error().describe()));
    });
    const double pythonMs = pythonJsonLoadsMs(path);

    std::printf("header: %.1f MB, %zu keys\n", static_cast<double>(n) / 1e6, tensorCount);
    std::printf("nlohmann::json::parse (DOM)        %8.2f ms\n", domMs);
    std::printf("resident memory for the open file  %8.1f MB   (%.2fx the header size; first open in the process)\n",
                static_cast<double>(residentKiB) / 1024.0,
                static_cast<double>(residentKiB) * 1024.0 / static_cast<double>(n));
    std::printf("safescope parse+validate (strict)  %8.2f ms   ratio %.2fx of nlohmann (target <= 1.0)\n", parseMs,
                parseMs / domMs);
    std::printf("safescope open (mmap+validate)     %8.2f ms   ratio %.2fx of nlohmann\n", openMs, openMs / domMs);
    if (pythonMs > 0)
        std::printf("python json.loads                  %8.2f ms   safescope is %.1fx faster (target >= 5)\n", pythonMs,
                    pythonMs / openMs);

    QTemporaryDir dir;
    QTemporaryDir smallDir;
    const QString sparse = makeSparseFile(dir, 10ULL << 30);
    const QString small = makeSparseFile(smallDir, 10ULL << 20);
    if (!sparse.isEmpty() && !small.isEmpty()) {
        const double sparseMs = bestOfMs(kRuns, [&] { auto opened = SafetensorsFile::open(sparse); });
        const double smallMs = bestOfMs(kRuns, [&] { auto opened = SafetensorsFile::open(small); });
        std::printf("open sparse 10 GiB file            %8.3f ms   (10 MiB file: %.3f ms, ratio %.2f)\n", sparseMs,
                    smallMs, sparseMs / smallMs);
    }
    return 0;
}
