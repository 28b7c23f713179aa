// Writes the seed corpora of the fuzz targets: valid files made by SafeScope's own writer (every dtype, ranks 0-3,
// metadata with JSON in a string) and hostile variants of them (truncated, lying length fields, broken offsets,
// deep nesting, duplicate names), plus shard indexes. Usage: fuzz_seeds OUTDIR (creates OUTDIR/header, index, values).
#include "core/format/dtype.h"
#include "core/export/writer.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QtEndian>

#include <cstdio>
#include <string>
#include <vector>

using namespace safescope;

namespace {

int g_written = 0;

void save(const QString& dir, const QString& name, const QByteArray& bytes)
{
    QFile file(QDir(dir).filePath(name));
    if (file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size())
        ++g_written;
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

/// A small file with one tensor per dtype (shapes cycling through ranks 0-3) written by the project's writer.
QByteArray everyDTypeFile(const QString& scratch)
{
    std::vector<std::vector<unsigned char>> buffers;
    std::vector<WriteTensor> tensors;
    const std::vector<std::vector<uint64_t>> shapes{{}, {8}, {2, 4}, {2, 2, 2}};
    for (int i = 0; i < kDTypeCount; ++i) {
        const DType type = allDTypes()[i];
        const std::vector<uint64_t>& shape = shapes[static_cast<size_t>(i) % shapes.size()];
        uint64_t elements = 1;
        for (const uint64_t d : shape)
            elements *= d;
        if (dtypeBits(type) < 8 && elements % 8 != 0)
            continue; // packed 4/6-bit dtypes need whole bytes
        std::vector<unsigned char>& bytes = buffers.emplace_back((elements * dtypeBits(type) + 7) / 8);
        for (size_t b = 0; b < bytes.size(); ++b)
            bytes[b] = static_cast<unsigned char>(b * 37 + static_cast<size_t>(i) * 11);
        tensors.push_back(
            {"layer." + std::to_string(i) + "." + std::string(dtypeName(type)), type, shape, bytes.data()});
    }
    WriteOptions options;
    options.metadataState = MetadataState::Object;
    options.metadata = {{"format", "pt"}, {"training", "{\"steps\": 10, \"lr\": 0.001}"}};
    const QString path = QDir(scratch).filePath(QStringLiteral("every-dtype.safetensors"));
    return writeSafetensors(path, tensors, options).ok() ? readAll(path) : QByteArray();
}

QByteArray withLength(uint64_t length, const QByteArray& rest)
{
    QByteArray prefix(8, '\0');
    qToLittleEndian<quint64>(length, prefix.data());
    return prefix + rest;
}

void writeHeaderSeeds(const QString& dir, const QByteArray& valid)
{
    save(dir, QStringLiteral("valid"), valid);
    const auto n = qFromLittleEndian<quint64>(valid.constData());
    const QByteArray header = valid.mid(8, static_cast<qsizetype>(n));
    for (const int cut : {0, 4, 8, 9, 40, static_cast<int>(n / 2), static_cast<int>(n) + 7})
        save(dir, QStringLiteral("truncated-%1").arg(cut), valid.left(cut));
    save(dir, QStringLiteral("length-too-large"), withLength(100'000'001, header));
    save(dir, QStringLiteral("length-past-end"), withLength(n + 64, valid.mid(8)));
    save(dir, QStringLiteral("length-zero"), withLength(0, {}));
    QByteArray offsets = valid;
    offsets.replace("\"data_offsets\":[0,", "\"data_offsets\":[1,");
    save(dir, QStringLiteral("misaligned-offsets"), offsets);
    save(dir, QStringLiteral("deep-nesting"),
         withLength(2 + 2 * 200, "{\"__metadata__\":" + QByteArray(200, '[') + QByteArray(200, ']') + "}"));
    const QByteArray duplicate = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                 R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
    save(dir, QStringLiteral("duplicate-names"),
         withLength(static_cast<uint64_t>(duplicate.size()), duplicate) + QByteArray(8, '\1'));
    const QByteArray unknown = R"({"x":{"dtype":"F128","shape":[2],"data_offsets":[0,32]}})";
    save(dir, QStringLiteral("unknown-dtype"),
         withLength(static_cast<uint64_t>(unknown.size()), unknown) + QByteArray(32, '\2'));
    save(dir, QStringLiteral("git-lfs-pointer"),
         "version https://git-lfs.github.com/spec/v1\noid sha256:"
         "0000000000000000000000000000000000000000000000000000000000000000\n"
         "size 1234\n");
}

void writeIndexSeeds(const QString& dir)
{
    save(
        dir, QStringLiteral("index"),
        R"({"metadata":{"total_size":96},"weight_map":{"a.weight":"model-00001-of-00002.safetensors","b.weight":"model-00002-of-00002.safetensors"}})");
    save(dir, QStringLiteral("index-no-metadata"), R"({"weight_map":{"x":"m.safetensors"}})");
    save(dir, QStringLiteral("index-bad-type"), R"({"weight_map":["x"]})");
    save(dir, QStringLiteral("index-escaped"), R"({"weight_map":{"\u00e9\n":"..\/evil.safetensors"}})");
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz_seeds OUTDIR\n");
        return 2;
    }
    const QDir out(QString::fromLocal8Bit(argv[1]));
    for (const char* sub : {"header", "index", "values", "scratch"})
        out.mkpath(QString::fromLatin1(sub));
    const QByteArray valid = everyDTypeFile(out.filePath(QStringLiteral("scratch")));
    if (valid.isEmpty()) {
        std::fprintf(stderr, "the writer failed\n");
        return 1;
    }
    writeHeaderSeeds(out.filePath(QStringLiteral("header")), valid);
    writeHeaderSeeds(out.filePath(QStringLiteral("values")), valid);
    writeIndexSeeds(out.filePath(QStringLiteral("index")));
    std::printf("%d seed files in %s\n", g_written, argv[1]);
    return 0;
}
