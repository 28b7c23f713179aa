#include "support/pythonhashes.h"

#include "support/fixtures.h"

#include <QProcess>
#include <nlohmann/json.hpp>

namespace safescope::test {

namespace {

// Written from the reference functions' behaviour: seek to 1 MiB and read at most 64 KiB (empty past the end);
// read the u64 length, seek to 8 + N and hash the rest.
constexpr const char* kScript = R"(
import hashlib, json, sys
out = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        whole = hashlib.sha256(f.read()).hexdigest()
        f.seek(0x100000)
        legacy = hashlib.sha256(f.read(0x10000)).hexdigest()[0:8]
        f.seek(0)
        n = int.from_bytes(f.read(8), "little")
        f.seek(n + 8)
        data = hashlib.sha256(f.read()).hexdigest()
    out.append({"sha256": whole, "data_sha256": data, "legacy_hash": legacy})
print(json.dumps(out))
)";

} // namespace

std::vector<PythonHashes> pythonHashes(const QStringList& paths)
{
    QProcess python;
    python.start(QStringLiteral("/usr/bin/python3"),
                 QStringList{QStringLiteral("-c"), QString::fromLatin1(kScript)} + paths);
    if (!python.waitForFinished(120000) || python.exitCode() != 0)
        return {};
    const QByteArray text = python.readAllStandardOutput();
    std::vector<PythonHashes> result;
    for (const auto& entry : nlohmann::json::parse(text.constData(), text.constData() + text.size()))
        result.push_back({QString::fromStdString(entry["sha256"].get<std::string>()),
                          QString::fromStdString(entry["data_sha256"].get<std::string>()),
                          QString::fromStdString(entry["legacy_hash"].get<std::string>())});
    return result;
}

QByteArray safetensorsImage(const std::map<std::string, std::string>& metadata, const QByteArray& data, bool padded)
{
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty())
        header["__metadata__"] = metadata;
    header["w"] = {{"dtype", "U8"}, {"shape", {data.size()}}, {"data_offsets", {0, data.size()}}};
    QByteArray text = QByteArray::fromStdString(header.dump());
    if (padded)
        text.append(QByteArray((8 - text.size() % 8) % 8, ' '));
    return rawFile(text, data);
}

} // namespace safescope::test
