#include "support/fixtures.h"

#include <QFile>
#include <QTest>
#include <QtEndian>

#include <random>

namespace safescope::test {

QByteArray rawFileWithLength(uint64_t length, const QByteArray& header, const QByteArray& data)
{
    QByteArray bytes(8, '\0');
    qToLittleEndian<quint64>(length, bytes.data());
    return bytes + header + data;
}

QByteArray rawFile(const QByteArray& header, const QByteArray& data)
{
    return rawFileWithLength(static_cast<uint64_t>(header.size()), header, data);
}

QByteArray tensorJson(const QByteArray& name, const QByteArray& dtype, const std::vector<uint64_t>& shape,
                      uint64_t begin, uint64_t end)
{
    QByteArray dims;
    for (size_t i = 0; i < shape.size(); ++i)
        dims += (i ? "," : "") + QByteArray::number(static_cast<qulonglong>(shape[i]));
    return '"' + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + dims + "],\"data_offsets\":[" +
           QByteArray::number(static_cast<qulonglong>(begin)) + ',' +
           QByteArray::number(static_cast<qulonglong>(end)) + "]}";
}

QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& bytes)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
        qFatal("cannot write fixture %s", qPrintable(path));
    return path;
}

QByteArray patternBytes(size_t count, uint32_t seed)
{
    std::mt19937 generator(seed);
    QByteArray bytes(static_cast<qsizetype>(count), Qt::Uninitialized);
    for (auto& byte : bytes)
        byte = static_cast<char>(generator() & 0xFF);
    return bytes;
}

} // namespace safescope::test
