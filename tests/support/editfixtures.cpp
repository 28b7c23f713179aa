#include "support/editfixtures.h"

#include "support/fixtures.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTest>
#include <QtEndian>

#include <unistd.h>

namespace safescope::test {

QString makeCheckpoint(const QTemporaryDir& dir, const QString& name, const QByteArray& metadataJson, int padding,
                       uint32_t seed)
{
    QByteArray header = "{";
    if (!metadataJson.isEmpty())
        header += "\"__metadata__\":" + metadataJson + ',';
    header += tensorJson("a.weight", "F32", {4, 4}, 0, 64) + ',' + tensorJson("b.bias", "BF16", {8}, 64, 80) + ',' +
              tensorJson("c.mask", "U8", {5}, 80, 85) + '}';
    header += QByteArray(padding, ' ');
    return writeFile(dir, name, rawFile(header, patternBytes(85, seed)));
}

QByteArray readBytes(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

uint64_t headerLengthOf(const QString& path)
{
    const QByteArray bytes = readBytes(path);
    return bytes.size() < 8 ? 0 : qFromLittleEndian<quint64>(bytes.constData());
}

QByteArray dataRegion(const QString& path)
{
    const QByteArray bytes = readBytes(path);
    return bytes.mid(static_cast<qsizetype>(8 + headerLengthOf(path)));
}

QByteArray sha256Of(const QByteArray& bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

QByteArray fileSha256(const QString& path)
{
    return sha256Of(readBytes(path));
}

QString writeTwoShardModel(const QTemporaryDir& dir, int padding)
{
    const QByteArray room(padding, ' ');
    const QByteArray h1 =
        "{\"__metadata__\":{\"format\":\"pt\",\"shard\":\"1\"}," + tensorJson("x", "U8", {4}, 0, 4) + "}" + room;
    const QByteArray h2 =
        "{\"__metadata__\":{\"format\":\"pt\",\"shard\":\"2\"}," + tensorJson("y", "U8", {4}, 0, 4) + "}" + room;
    writeFile(dir, QStringLiteral("model-00001-of-00002.safetensors"), rawFile(h1, "aaaa"));
    writeFile(dir, QStringLiteral("model-00002-of-00002.safetensors"), rawFile(h2, "bbbb"));
    return writeFile(dir, QStringLiteral("model.safetensors.index.json"),
                     R"({"metadata":{"total_size":8},"weight_map":{"x":"model-00001-of-00002.safetensors",)"
                     R"("y":"model-00002-of-00002.safetensors"}})");
}

Unprivileged::Unprivileged()
{
    if (::geteuid() == 0)
        m_switched = ::setegid(65534) == 0 && ::seteuid(65534) == 0;
}

Unprivileged::~Unprivileged()
{
    if (m_switched) {
        if (::seteuid(0) != 0 || ::setegid(0) != 0)
            qFatal("cannot switch back to root");
    }
}

} // namespace safescope::test
